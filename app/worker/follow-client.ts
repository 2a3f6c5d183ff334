// The page's side of Follow and the I/O graph: queries to the kept analysis worker, through the
// packet session's client (the same worker, the same id numbering, answers matched by id).
import type { PacketClient } from './packet-client';
import type { PacketAnswer } from './packet-messages';
import type { FollowAnswer, FollowQuery } from './follow-messages';

type Body<Q> = Q extends FollowQuery ? Omit<Q, 'id'> : never;

export async function askFollow(client: PacketClient, q: Body<FollowQuery>): Promise<FollowAnswer> {
  // PacketClient.ask is typed for the packet queries; these are routed by the worker on `type`.
  const ask = client.ask.bind(client) as unknown as (
    q: Body<FollowQuery>,
  ) => Promise<PacketAnswer | FollowAnswer>;
  return (await ask(q)) as FollowAnswer;
}
