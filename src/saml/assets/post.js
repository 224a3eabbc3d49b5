// Sends the SAML message form on its own (the page's Continue button does the same without JavaScript).
document.getElementById('saml-post').submit();
