// Posts a "Continue" form on its own (its button does the same without JavaScript). Such a form
// carries a sign-in step that only a POST may conclude; the page that shows it was a GET.
var form = document.querySelector('form[data-auto-submit]');
if (form) form.submit();
