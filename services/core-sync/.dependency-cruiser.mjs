import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

/**
 * The layers of src/, lowest first, from import-layers.json (docs/architecture.md lists them, and
 * test/architecture-layers.test.ts checks that it lists the same). A folder imports folders of its own layer and
 * of lower layers only; no module imports itself back through others. `npm run check:imports` runs this check,
 * and `npm test` runs it first.
 */
const layers = JSON.parse(readFileSync(new URL('./import-layers.json', import.meta.url), 'utf8'));

const upwardImports = layers.flatMap((layer, rank) =>
  layer.map((folder) => ({
    name: `upward-import-from-${folder}`,
    comment: `src/${folder} is in layer ${rank + 1}: it may import only folders of layers 1 to ${rank + 1}`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: {
      path: `^src/(${layers
        .slice(rank + 1)
        .flat()
        .join('|')})/`,
    },
  })),
);

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A module that imports itself back through others: dependencies must point one way',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'unlayered-folder',
      comment:
        'Every folder of src/ belongs to a layer: add a new one to the list in .dependency-cruiser.mjs',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${layers.flat().join('|')})/` },
      to: {},
    },
    ...upwardImports,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(\\.test\\.ts$|/testing/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
