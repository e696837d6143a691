/**
 * Whether the answer to a change of ours is still the newest state of its message. The stream
 * carries every change in order, but an answer travels apart from it: someone's reaction made
 * after ours may stream in before our answer does, and the answer would then put back the older
 * state. An answer counts only when nothing about its message streamed in while it was asked.
 */
export class ChangeAnswers {
  /** Message id -> whether the stream brought a state of it since the change was asked. */
  #overtaken = new Map<string, boolean>();

  /** A change of message `id` is on its way. */
  asking(id: string) {
    this.#overtaken.set(id, false);
  }

  /** The stream brought a state of message `id`. */
  streamed(id: string) {
    if (this.#overtaken.has(id)) this.#overtaken.set(id, true);
  }

  /** The answer about message `id` came: whether it is still the newest state. */
  answered(id: string): boolean {
    const overtaken = this.#overtaken.get(id);
    this.#overtaken.delete(id);
    return overtaken === false;
  }
}
