/**
 * Tokens read as placeholders that say which token they stand for (`[redacted:<id>]`), so an edited list keeps
 * exactly the tokens whose placeholders it still holds, wherever they moved, and a placeholder that stands for
 * no token is refused by name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConfigFileFixture } from './testing/config-file-fixture.js';

const adminToken = 'admin.token.0123456789';

function documentWithTokens(readOnlyTokens: readonly string[]): Record<string, unknown> {
  return {
    databases: {
      local: { host: 'local-db', user: 'sync', password: 'local-secret', database: 'shop' },
      cloud: { host: 'cloud-db', user: 'sync', password: 'cloud-secret', database: 'shop' },
    },
    sync: { tables: [{ name: 'orders', primary_key: 'id' }] },
    server: { auth_token: adminToken, read_only_tokens: [...readOnlyTokens] },
  };
}

interface ServerPart {
  auth_token?: string;
  read_only_tokens: string[];
}

function serverOf(document: Record<string, unknown>): ServerPart {
  return document.server as ServerPart;
}

/** Tokens are at least 16 characters; these never contain a dot, so none equals the admin token. */
const tokenArbitrary = fc.stringMatching(/^[A-Za-z0-9_-]{16,24}$/);

type Edit =
  | { readonly kind: 'delete'; readonly index: number }
  | { readonly kind: 'move'; readonly from: number; readonly to: number }
  | { readonly kind: 'add'; readonly token: string; readonly index: number };

const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('move' as const), from: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), token: tokenArbitrary, index: fc.nat() }),
);

/** Applies one edit to the list the dashboard shows and, alike, to the list of tokens meant. */
function applyEdit(shown: string[], meant: string[], edit: Edit): void {
  switch (edit.kind) {
    case 'delete': {
      if (shown.length === 0) return;
      const index = edit.index % shown.length;
      shown.splice(index, 1);
      meant.splice(index, 1);
      return;
    }
    case 'move': {
      if (shown.length === 0) return;
      const from = edit.from % shown.length;
      const to = edit.to % shown.length;
      const [shownEntry] = shown.splice(from, 1);
      const [meantEntry] = meant.splice(from, 1);
      if (shownEntry === undefined || meantEntry === undefined) return;
      shown.splice(to, 0, shownEntry);
      meant.splice(to, 0, meantEntry);
      return;
    }
    case 'add': {
      if (meant.includes(edit.token)) return;
      const index = edit.index % (shown.length + 1);
      shown.splice(index, 0, edit.token);
      meant.splice(index, 0, edit.token);
      return;
    }
  }
}

describe('read-only token placeholders', () => {
  it('keep exactly the tokens meant after any deletes, moves and additions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(tokenArbitrary, { maxLength: 6 }),
        fc.array(editArbitrary, { maxLength: 8 }),
        async (tokens, edits) => {
          await using fixture = await createConfigFileFixture(documentWithTokens(tokens));
          const document = fixture.shown();
          const shown = serverOf(document).read_only_tokens;
          expect(shown).toHaveLength(tokens.length);
          expect(JSON.stringify(document)).not.toMatch(/secret|token\.0123/);
          for (const token of tokens) expect(JSON.stringify(document)).not.toContain(token);
          const meant = [...tokens];
          for (const edit of edits) applyEdit(shown, meant, edit);
          await fixture.access.update(document, 'admin');
          expect(serverOf(await fixture.fileDocument()).read_only_tokens).toEqual(meant);
          expect(fixture.nextStart().server.readOnlyTokens).toEqual(meant);
          expect(fixture.nextStart().server.authToken).toBe(adminToken);
          // Read again and sent back unchanged, they stay.
          await fixture.access.update(fixture.shown(), 'admin');
          expect(fixture.nextStart().server.readOnlyTokens).toEqual(meant);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('are the same for the same token in every read, and differ between tokens', async () => {
    const tokens = ['first-token-0123456789', 'second-token-0123456789', 'third-token-0123456789'];
    await using fixture = await createConfigFileFixture(documentWithTokens(tokens));
    const first = serverOf(fixture.shown());
    expect(first.read_only_tokens).toEqual([
      expect.stringMatching(/^\[redacted:[0-9a-f]{16}\]$/),
      expect.stringMatching(/^\[redacted:[0-9a-f]{16}\]$/),
      expect.stringMatching(/^\[redacted:[0-9a-f]{16}\]$/),
    ]);
    expect(new Set([...first.read_only_tokens, first.auth_token]).size).toBe(4);
    expect(serverOf(fixture.shown())).toEqual(first);
  });

  it('deleting the first of three tokens keeps the second and the third', async () => {
    const tokens = ['first-token-0123456789', 'second-token-0123456789', 'third-token-0123456789'];
    await using fixture = await createConfigFileFixture(documentWithTokens(tokens));
    const document = fixture.shown();
    serverOf(document).read_only_tokens.shift();
    await fixture.access.update(document, 'admin');
    expect(serverOf(await fixture.fileDocument()).read_only_tokens).toEqual(tokens.slice(1));
  });

  it('refuses a placeholder that stands for no token, and a bare [redacted] in the list, by key path', async () => {
    const tokens = ['first-token-0123456789', 'second-token-0123456789'];
    await using fixture = await createConfigFileFixture(documentWithTokens(tokens));
    const before = await fixture.fileDocument();
    const document = fixture.shown();
    serverOf(document).read_only_tokens = [
      serverOf(document).read_only_tokens[0] ?? '',
      '[redacted:0123456789abcdef]',
      '[redacted]',
    ];
    serverOf(document).auth_token = '[redacted:fedcba9876543210]';
    await expect(fixture.access.update(document, 'admin')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: {
        problems: [
          {
            path: 'server.auth_token',
            message: expect.stringContaining('[redacted:fedcba9876543210] stands for no token') as unknown,
          },
          {
            path: 'server.read_only_tokens[1]',
            message: expect.stringContaining('[redacted:0123456789abcdef] stands for no token') as unknown,
          },
          {
            path: 'server.read_only_tokens[2]',
            message: expect.stringContaining('does not say which token') as unknown,
          },
        ],
      },
    });
    expect(await fixture.fileDocument()).toEqual(before);
  });

  it('keeps a token the environment sets in its place, and refuses to drop or move it', async () => {
    // As the shipped Compose file and Kubernetes manifests do: the first read-only token comes from a variable.
    const environment = { MYSQL_SYNC_SERVER__READ_ONLY_TOKENS__0: 'env-reader-token-0123456789' };
    await using fixture = await createConfigFileFixture(documentWithTokens([]), { environment });
    const document = fixture.shown();
    expect(serverOf(document).read_only_tokens).toHaveLength(1);
    // Round trip: nothing is written (the variable's token never goes into the file).
    await fixture.access.update(fixture.shown(), 'admin');
    const edited = fixture.shown();
    serverOf(edited).read_only_tokens = [];
    await expect(fixture.access.update(edited, 'admin')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: {
        problems: [
          {
            path: 'server.read_only_tokens[0]',
            message: expect.stringContaining('MYSQL_SYNC_SERVER__READ_ONLY_TOKENS__0') as unknown,
          },
        ],
      },
    });
    // A token after it cannot be kept in the file without an entry for the variable to replace.
    const added = fixture.shown();
    serverOf(added).read_only_tokens.push('added-token-0123456789');
    await expect(fixture.access.update(added, 'admin')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: {
        problems: [
          {
            path: 'server.read_only_tokens[1]',
            message: expect.stringContaining('MYSQL_SYNC_SERVER__READ_ONLY_TOKENS__1') as unknown,
          },
        ],
      },
    });
    const file = JSON.stringify(await fixture.fileDocument());
    expect(file).not.toContain('env-reader-token');
    expect(fixture.nextStart().server.readOnlyTokens).toEqual(['env-reader-token-0123456789']);
  });

  it('refuses to move a token a variable sets to another place, or to replace the admin token a variable sets', async () => {
    const environment = {
      MYSQL_SYNC_SERVER__READ_ONLY_TOKENS__1: 'env-reader-token-0123456789',
      MYSQL_SYNC_SERVER__AUTH_TOKEN: 'env-admin-token-0123456789',
    };
    await using fixture = await createConfigFileFixture(
      documentWithTokens(['file-reader-token-0123456789', 'shadowed-token-0123456789']),
      { environment },
    );
    // Round trip: the file keeps its own entries, the variables' tokens stay out of it.
    await fixture.access.update(fixture.shown(), 'admin');
    const kept = structuredClone(fixture.shown());
    serverOf(kept).read_only_tokens.push('added-token-0123456789');
    await fixture.access.update(kept, 'admin');
    expect(serverOf(await fixture.fileDocument())).toMatchObject({
      auth_token: adminToken,
      read_only_tokens: [
        'file-reader-token-0123456789',
        'shadowed-token-0123456789',
        'added-token-0123456789',
      ],
    });
    expect(fixture.nextStart().server).toMatchObject({
      authToken: 'env-admin-token-0123456789',
      readOnlyTokens: [
        'file-reader-token-0123456789',
        'env-reader-token-0123456789',
        'added-token-0123456789',
      ],
    });

    const moved = fixture.shown();
    const movedList = serverOf(moved).read_only_tokens;
    movedList.push(...movedList.splice(1, 1));
    serverOf(moved).auth_token = 'new-admin-token-0123456789';
    await expect(fixture.access.update(moved, 'admin')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: {
        problems: [
          {
            path: 'server.auth_token',
            message: expect.stringContaining('is set by MYSQL_SYNC_SERVER__AUTH_TOKEN') as unknown,
          },
          {
            path: 'server.read_only_tokens[1]',
            message: expect.stringContaining('is set by MYSQL_SYNC_SERVER__READ_ONLY_TOKENS__1') as unknown,
          },
          {
            path: 'server.read_only_tokens[2]',
            message: expect.stringContaining('the service never copies it into the file') as unknown,
          },
        ],
      },
    });
    expect(JSON.stringify(await fixture.fileDocument())).not.toContain('env-');
  });
});
