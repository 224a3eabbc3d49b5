/**
 * A real DNS server (dns2, UDP on loopback) answering TXT queries from a map the test fills in, so
 * domain verification runs through node's resolver exactly as in production.
 */
import dns2 from 'dns2';

const { Packet } = dns2;

export async function startDnsServer() {
  // name → records; a record given as an array is one TXT record of several character-strings.
  const txt = new Map<string, Array<string | string[]>>();
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const values = question && question.type === Packet.TYPE.TXT ? txt.get(question.name.toLowerCase()) : undefined;
      if (!values) response.header.rcode = 3; // NXDOMAIN
      for (const data of values ?? []) {
        response.answers.push({ name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data } as any);
      }
      void send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const { port } = (addresses as any).udp as { port: number };
  return {
    /** host:port for config federation.dnsServers. */
    address: `127.0.0.1:${port}`,
    txt,
    close: () => server.close(),
  };
}
