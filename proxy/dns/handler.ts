/**
 * One DNS message in, one out: decode, check the client and the header,
 * answer from the index (answer.ts) or through the injected forwarder,
 * encode, and truncate for UDP (RFC 1035 4.2.1: 512 bytes, or the client's
 * EDNS payload size up to 1232; TC set, records dropped, so the client
 * retries over TCP). No sockets here: server.ts calls it per datagram or
 * per TCP message.
 */
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Packet, type Question } from 'dns-packet';
import { answerQuestion, type AnswerConfig } from './answer.ts';
import type { CachedAnswer } from './cache.ts';
import type { DNSIndex } from './snapshot.ts';

/** RCODE numbers (RFC 1035 4.1.1). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** Our EDNS UDP payload size (the DNS flag day 2020 value). */
export const EDNS_UDP_SIZE = 1232;

/** What handleMessage needs. */
export interface HandlerDeps {
  /** The current snapshot (rebuilt by the caller when the caches change). */
  index: () => DNSIndex;
  config: AnswerConfig;
  /** Resolves a name outside the zone upstream (cached); undefined = no upstream answered (SERVFAIL). */
  forward: (q: Question) => Promise<CachedAnswer | undefined>;
  /** Whether this client address may query (clients.ts). */
  allowed: (address: string) => boolean;
}

/** The transport a message came over. */
export interface ClientInfo {
  address: string;
  tcp: boolean;
}

const rcodeNumber = (name: string): number => (name in RCODE ? RCODE[name as keyof typeof RCODE] : RCODE.SERVFAIL);

/** The largest UDP answer the client accepts (RFC 6891 6.2.5: at least 512). */
export function udpLimit(query: Packet): number {
  const opt = (query.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');
  if (!opt) return 512;
  return Math.max(512, Math.min(opt.udpPayloadSize || 512, EDNS_UDP_SIZE));
}

/** Encodes `response`; when it exceeds `limit` bytes, the truncated form (header, question, OPT, TC bit). Pure. */
export function encodeWithin(response: Packet, limit: number): Buffer {
  const full = dnsPacket.encode(response);
  if (full.length <= limit) return full;
  const opt = (response.additionals ?? []).filter((a) => a.type === 'OPT');
  return dnsPacket.encode({ ...response, flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: opt });
}

function reply(query: DecodedPacket, rcode: number, body: { answers?: Answer[]; authorities?: Answer[]; additionals?: Answer[] }, authoritative: boolean): Packet {
  const hasOpt = (query.additionals ?? []).some((a) => a.type === 'OPT');
  const opt: OptAnswer = { name: '.', type: 'OPT', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
  const flags = (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | rcode;
  return {
    type: 'response', id: query.id, flags,
    questions: query.questions?.slice(0, 1) ?? [],
    answers: body.answers ?? [], authorities: body.authorities ?? [],
    additionals: [...(body.additionals ?? []), ...(hasOpt ? [opt] : [])],
  };
}

/** A bare error reply for a message we could not decode (its id, FORMERR), or undefined if it has no header. */
function formErr(msg: Buffer): Buffer | undefined {
  if (msg.length < 12 || (msg[2] ?? 0) & 0x80) return undefined;
  return dnsPacket.encode({ type: 'response', id: msg.readUInt16BE(0), flags: RCODE.FORMERR, questions: [], answers: [] });
}

/**
 * Answers one message. Returns the bytes to send back, or undefined to
 * stay silent (not a query, or too short to carry an id). Never throws:
 * a failing forwarder becomes SERVFAIL.
 */
export async function handleMessage(msg: Buffer, client: ClientInfo, deps: HandlerDeps): Promise<Buffer | undefined> {
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(msg);
  } catch {
    return formErr(msg);
  }
  if (query.type !== 'query') return undefined;
  const limit = client.tcp ? 65535 : udpLimit(query);
  const send = (p: Packet): Buffer => encodeWithin(p, limit);
  const opcode = (query as DecodedPacket & { opcode?: string }).opcode;
  if (opcode !== undefined && opcode !== 'QUERY') return send(reply(query, RCODE.NOTIMP, {}, false));
  if (!deps.allowed(client.address)) return send(reply(query, RCODE.REFUSED, {}, false));
  const q = query.questions?.[0];
  if (!q || (query.questions?.length ?? 0) !== 1) return send(reply(query, RCODE.FORMERR, {}, false));

  const decision = answerQuestion(q, deps.index(), deps.config);
  if (decision.kind === 'forward') {
    const got = await deps.forward(q).catch(() => undefined);
    if (!got) return send(reply(query, RCODE.SERVFAIL, {}, false));
    return send(reply(query, rcodeNumber(got.rcode), got, false));
  }
  let answers = decision.answers;
  if (decision.chase !== undefined) {
    const got = await deps.forward({ name: decision.chase, type: q.type, class: 'IN' }).catch(() => undefined);
    if (got) answers = [...answers, ...got.answers];
  }
  return send(reply(query, rcodeNumber(decision.rcode), { answers, authorities: decision.authorities, additionals: decision.additionals }, true));
}
