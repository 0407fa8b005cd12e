/**
 * Rows being decided on, shared by both directions of a pair (and by resolutions by hand). Each direction judges
 * a row against what the other side holds, and the two sides are different databases: no lock of either server
 * stops both directions from judging the same row at the same moment, each on a view the other is about to
 * change (one applies a version to the other side while the other overwrites that very version on this side).
 * A batch therefore claims all its rows before its transaction starts and releases them when it is done, so the
 * decisions on one row are taken one after the other, each seeing the previous one's writes and fences.
 *
 * Claims are granted first come, first served, all of a request's rows at once: a request waits while any of its
 * rows is held or wanted by an earlier request. Nothing is held while waiting, so claims cannot deadlock, and a
 * batch holds no database lock while it waits.
 */
interface ClaimRequest {
  readonly keys: readonly string[];
  readonly grant: () => void;
}

export class RowClaims {
  readonly #held = new Set<string>();
  #waiting: ClaimRequest[] = [];

  /** Waits until every row is free, holds them, and resolves with the function that releases them. */
  async claim(rows: Iterable<{ readonly table: string; readonly keyText: string }>): Promise<() => void> {
    const keys = [...new Set(Array.from(rows, (row) => `${row.table}\u0000${row.keyText}`))];
    await new Promise<void>((resolve) => {
      this.#waiting.push({ keys, grant: resolve });
      this.#grant();
    });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of keys) this.#held.delete(key);
      this.#grant();
    };
  }

  /** How many rows are held now (for tests). */
  get heldCount(): number {
    return this.#held.size;
  }

  #grant(): void {
    const wantedEarlier = new Set<string>();
    this.#waiting = this.#waiting.filter((request) => {
      if (request.keys.every((key) => !this.#held.has(key) && !wantedEarlier.has(key))) {
        for (const key of request.keys) this.#held.add(key);
        request.grant();
        return false;
      }
      for (const key of request.keys) wantedEarlier.add(key);
      return true;
    });
  }
}
