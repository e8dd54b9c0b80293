import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as main from '../src/index.js';
import * as node from '../src/node.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(root, 'test', '.doc-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every .ts file under src/, skipping the AssemblyScript sources. */
function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const file = path.join(folder, name);
    if (statSync(file).isDirectory()) return name === 'assembly' ? [] : sources(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

interface DocExample {
  name: string;
  file: string;
  code: string;
}

/** The fenced code of every `@example` in a doc comment, named by the declaration below it. */
function docExamples(): DocExample[] {
  const found: DocExample[] = [];
  for (const file of sources(path.join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /\/\*\*([\s\S]*?)\*\/\s*\n\s*export (?:async )?(?:function|class) (\w+)/g,
    )) {
      const body = m[1].replace(/^\s*\* ?/gm, '');
      for (const e of body.matchAll(/@example\s*\n```ts\n([\s\S]*?)```/g)) {
        found.push({ name: m[2], file: path.relative(root, file), code: e[1] });
      }
    }
  }
  return found;
}

const examples = docExamples();
/** Examples that need a browser: in Node they must stop at the missing browser global. */
const BROWSER_ONLY: Record<string, RegExp> = {
  saveToIndexedDB: /IndexedDB is not available here/,
  readFromIndexedDB: /IndexedDB is not available here/,
  loadFromIndexedDB: /IndexedDB is not available here/,
  downloadModel: /downloadModel needs a browser page/,
};

describe('doc comment examples', () => {
  it('exist for every public function and class of rnnkit and rnnkit/node', () => {
    const publicNames = Object.entries({ ...main, ...node })
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name);
    const documented = new Set(examples.map((e) => e.name));
    expect(publicNames.filter((name) => !documented.has(name))).toEqual([]);
    expect(publicNames.length).toBeGreaterThan(60);
  });

  it.each(examples.map((e, i) => [`${e.name} (${e.file})`, e, i] as const))(
    'runs the example of %s',
    async (_, example, i) => {
      expect(example.code).toMatch(/from 'rnnkit(\/node)?'/);
      const file = path.join(dir, `${i}-${example.name}.ts`);
      writeFileSync(file, `${example.code}\nexport {};\n`);
      const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        const run = import(pathToFileURL(file).href);
        const browser = BROWSER_ONLY[example.name];
        if (browser) await expect(run).rejects.toThrow(browser);
        else await run;
      } finally {
        spy.mockRestore();
      }
    },
  );
});
