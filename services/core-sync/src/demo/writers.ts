/**
 * The demo's gentle write load: on each side, a few statements a second — new orders, changes to the side's own
 * orders, stock changes of the side's own products, new customers and changes to them. Each side only changes rows
 * it owns (its own auto-increment ids, its own SKUs), so the two streams do not fight over the same rows.
 */
import type mysql from 'mysql2/promise';

export type SideName = 'local' | 'cloud';

/** The products whose stock each side changes (the sample schema's four SKUs, two per side). */
const ownedSkus: Readonly<Record<SideName, readonly string[]>> = {
  local: ['KB-01', 'MS-02'],
  cloud: ['MN-27', 'HD-05'],
};

const countries = ['GB', 'US', 'FI', 'JP', 'FR', 'DE'];
const recentIdsKept = 20;

export class DemoWriter {
  readonly #side: SideName;
  readonly #connection: mysql.Connection;
  readonly #report: (message: string) => void;
  readonly #orderIds: number[] = [];
  readonly #customerIds: number[] = [];
  #tick = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(side: SideName, connection: mysql.Connection, report: (message: string) => void) {
    this.#side = side;
    this.#connection = connection;
    this.#report = report;
  }

  /** Writes one statement every `intervalMs` (skipping a tick while the previous statement still runs). */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      if (this.#inFlight !== undefined) return;
      this.#tick += 1;
      this.#inFlight = this.#writeOnce(this.#tick)
        .catch((error: unknown) => {
          this.#report(
            `${this.#side} write failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        })
        .finally(() => {
          this.#inFlight = undefined;
        });
    }, intervalMs);
  }

  /** Stops writing and waits for the statement in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  async #writeOnce(tick: number): Promise<void> {
    const step = tick % 10;
    if (step === 0) await this.#insertCustomer(tick);
    else if (step === 5 && this.#customerIds.length > 0) await this.#updateCustomer(tick);
    else if (step === 2 || step === 7) await this.#updateOrder(tick);
    else if (step === 4 || step === 9) await this.#updateStock(tick);
    else await this.#insertOrder(tick);
  }

  async #insertOrder(tick: number): Promise<void> {
    const skus = [...ownedSkus.local, ...ownedSkus.cloud];
    const sku = skus[tick % skus.length] ?? 'KB-01';
    const quantity = 1 + (tick % 3);
    const [result] = await this.#connection.query<mysql.ResultSetHeader>(
      `INSERT INTO orders (customer_id, sku, quantity, total, note)
         SELECT 1 + ? % 5, sku, ?, price * ?, ? FROM products WHERE sku = ?`,
      [tick, quantity, quantity, `${this.#side} order ${tick} ✓`, sku],
    );
    if (result.affectedRows > 0) remember(this.#orderIds, result.insertId);
  }

  async #updateOrder(tick: number): Promise<void> {
    const orderId = pick(this.#orderIds, tick);
    if (orderId === undefined) {
      await this.#insertOrder(tick);
      return;
    }
    await this.#connection.query('UPDATE orders SET quantity = quantity + 1, note = ? WHERE id = ?', [
      `${this.#side} order changed at tick ${tick}`,
      orderId,
    ]);
  }

  async #updateStock(tick: number): Promise<void> {
    const skus = ownedSkus[this.#side];
    const sku = skus[tick % skus.length] ?? 'KB-01';
    // Stock goes down with sales and is refilled now and then, so it never runs out.
    await this.#connection.query(
      'UPDATE products SET stock = IF(stock > 5, stock - 1 - ? % 3, stock + 50) WHERE sku = ?',
      [tick, sku],
    );
  }

  async #insertCustomer(tick: number): Promise<void> {
    const [result] = await this.#connection.query<mysql.ResultSetHeader>(
      'INSERT INTO customers (email, full_name, country, preferences) VALUES (?, ?, ?, ?)',
      [
        `${this.#side}-${tick}@demo.example`,
        `Demo customer ${tick} (${this.#side})`,
        countries[tick % countries.length] ?? 'GB',
        JSON.stringify({ signedUpOn: this.#side, tick }),
      ],
    );
    remember(this.#customerIds, result.insertId);
  }

  async #updateCustomer(tick: number): Promise<void> {
    const customerId = pick(this.#customerIds, tick);
    if (customerId === undefined) return;
    await this.#connection.query('UPDATE customers SET preferences = ? WHERE id = ?', [
      JSON.stringify({ newsletter: tick % 20 === 5, lastChangedOn: this.#side, tick }),
      customerId,
    ]);
  }
}

function remember(ids: number[], newId: number): void {
  ids.push(newId);
  if (ids.length > recentIdsKept) ids.shift();
}

function pick(ids: readonly number[], tick: number): number | undefined {
  return ids.length === 0 ? undefined : ids[tick % ids.length];
}
