import { readFile, readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const layersFile = new URL('../import-layers.json', import.meta.url);
const architectureDocument = new URL('../../../docs/architecture.md', import.meta.url);
const sourceFolder = new URL('../src/', import.meta.url);

async function checkedLayers(): Promise<string[][]> {
  return JSON.parse(await readFile(layersFile, 'utf8')) as string[][];
}

/** The numbered list under "Folder by folder": each line's backticked folder names (file names left out). */
async function documentedLayers(): Promise<string[][]> {
  const text = await readFile(architectureDocument, 'utf8');
  const section = text.slice(text.indexOf('## Folder by folder'));
  const layers: string[][] = [];
  for (const line of section.split('\n')) {
    const item = /^(\d+)\. (.*)$/.exec(line);
    if (item === null) {
      if (layers.length > 0) break;
      continue;
    }
    const names = [...(item[2] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
    layers.push(names.filter((name) => !name.endsWith('.ts')));
  }
  return layers;
}

describe('the import layers', () => {
  it('docs/architecture.md lists the layers the import check enforces, in the same order', async () => {
    const documented = await documentedLayers();
    expect(documented.length).toBeGreaterThan(0);
    expect(documented).toEqual(await checkedLayers());
  });

  it('every folder of src/ is in a layer', async () => {
    const folders = (await readdir(sourceFolder, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folders).toEqual((await checkedLayers()).flat().sort());
  });
});
