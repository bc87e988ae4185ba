/**
 * The bounded per-subscriber outbox: never blocks, drops for a slow
 * consumer, counts the drops and tells the consumer once it catches up.
 */
import { describe, expect, it } from "vitest";
import { Subscriber } from "../../../lib/server/ws/subscriber.ts";

interface FakeSocket {
  sent: string[];
  buffered: number;
  send: (text: string) => void;
  bufferedFn: () => number;
}

function sink(): FakeSocket {
  const state: FakeSocket = {
    sent: [],
    buffered: 0,
    send: (text) => void state.sent.push(text),
    bufferedFn: () => state.buffered,
  };
  return state;
}

describe("Subscriber", () => {
  it("sends at once while the socket keeps up", () => {
    const s = sink();
    const sub = new Subscriber({ send: s.send, buffered: s.bufferedFn }, (n) => `dropped ${n}`, { maxQueued: 2, maxBuffered: 10 });
    for (let i = 0; i < 5; i++) expect(sub.offer(`m${i}`)).toBe(true);
    expect(s.sent).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(sub.droppedTotal).toBe(0);
  });

  it("queues while the socket is full, drops past the bound with a count, then sends the notice first", () => {
    const s = sink();
    const sub = new Subscriber({ send: s.send, buffered: s.bufferedFn }, (n) => `dropped ${n}`, { maxQueued: 2, maxBuffered: 10 });
    s.buffered = 10;
    expect(sub.offer("a")).toBe(true);
    expect(sub.offer("b")).toBe(true);
    expect(sub.offer("c")).toBe(false);
    expect(sub.offer("d")).toBe(true);
    expect(s.sent).toEqual([]);
    expect(sub.droppedTotal).toBe(3);
    s.buffered = 0;
    sub.pump();
    expect(s.sent).toEqual(["dropped 3", "d"]);
    expect(sub.queued).toBe(0);
  });
});
