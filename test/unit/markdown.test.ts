import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unlimited } from '../../src/node/split/budget';
import { splitMarkdown } from '../../src/node/split/markdown';
import { CORPUS } from './helpers';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Modelled on /work/shared/corpus/astro-docs/en/guides/deploy/netlify.mdx (numbers on the right are file lines).
const NETLIFY = [
  '---', // 1
  'title: Deploy your Astro Site to Netlify', // 2
  'description: How to deploy your Astro site to the web on Netlify.', // 3
  'sidebar:', // 4
  '  label: Netlify', // 5
  "supports: ['ssr', 'static']", // 6
  '---', // 7
  "import ReadMore from '~/components/ReadMore.astro';", // 8
  'import {', // 9
  '  Steps,', // 10
  '  Tabs,', // 11
  "} from '@astrojs/starlight/components';", // 12
  '', // 13
  '[Netlify](https://netlify.com) offers hosting for **static websites**. Any Astro site can be hosted on Netlify!', // 14
  '', // 15
  '## Project configuration', // 16
  '', // 17
  '### Static site', // 18
  '', // 19
  'Your Astro project is a _static site_ by default.', // 20
  '', // 21
  '### Adapter for on-demand rendering', // 22
  '', // 23
  'Add [the Netlify adapter](/en/guides/integrations-guide/netlify/) with the `astro add` command.', // 24
  '', // 25
  '```bash', // 26
  'npx astro add netlify', // 27
  '```', // 28
  '', // 29
  '<ReadMore>See the [Netlify adapter guide](/en/guides/integrations-guide/netlify/).</ReadMore>', // 30
  '', // 31
  '', // 32
  '## How to deploy', // 33
  '', // 34
  '<Steps>', // 35
  '1. Click <kbd>Add a new site</kbd> in your [Netlify dashboard](https://app.netlify.com/)', // 36
  '', // 37
  '    ```bash', // 38
  '    npm install --global netlify-cli', // 39
  '    ```', // 40
  '', // 41
  '2. Choose <kbd>Import an existing project</kbd>', // 42
  '</Steps>', // 43
  '', // 44
  ':::note[Have a resource to share?]', // 45
  'Netlify reads `netlify.toml` automatically.', // 46
  ':::', // 47
  '', // 48
  '{/* This comment is not prose */}', // 49
  '<Since v="1.2" />', // 50
].join('\n');

describe('splitMarkdown', () => {
  it('builds heading paths under the frontmatter title when there is no H1, with exact lines', () => {
    const units = splitMarkdown(NETLIFY, { mdx: true });
    assert.deepEqual(
      units.map((u) => [u.title, u.startLine, u.endLine]),
      [
        ['Deploy your Astro Site to Netlify', 1, 7],
        ['Deploy your Astro Site to Netlify', 14, 14],
        ['Deploy your Astro Site to Netlify › Project configuration › Static site', 18, 20],
        ['Deploy your Astro Site to Netlify › Project configuration › Adapter for on-demand rendering', 22, 30],
        ['Deploy your Astro Site to Netlify › How to deploy', 33, 50],
      ],
    );
    assert.equal(units[0]!.text, 'Deploy your Astro Site to Netlify\nHow to deploy your Astro site to the web on Netlify.');
    assert.equal(units[1]!.text, 'Netlify offers hosting for static websites. Any Astro site can be hosted on Netlify!');
    assert.equal(units[2]!.text, 'Your Astro project is a static site by default.');
    assert.equal(
      units[3]!.text,
      'Add the Netlify adapter with the astro add command.\n\nSee the Netlify adapter guide.',
    );
  });

  it('drops JSX-only lines, comments, admonition markers and code, but keeps prose inside components', () => {
    const deploy = splitMarkdown(NETLIFY, { mdx: true }).at(-1)!;
    assert.equal(
      deploy.text,
      [
        'Click Add a new site in your Netlify dashboard',
        '',
        'Choose Import an existing project',
        '',
        'Have a resource to share?',
        'Netlify reads netlify.toml automatically.',
      ].join('\n'),
    );
  });

  it('detects MDX from its imports when no option is given, and leaves them alone when mdx is false', () => {
    const auto = splitMarkdown(NETLIFY);
    assert.ok(!auto.some((u) => /import|from '/.test(u.text)));
    const plain = splitMarkdown(NETLIFY, { mdx: false });
    assert.match(plain[1]!.text, /^import ReadMore from/);
  });

  it('removes multi-line MDX export blocks up to the blank line after balanced braces', () => {
    const src = [
      'export const meta = {',
      '  title: "Not prose",',
      '',
      '  tags: ["x"],',
      '};',
      '',
      'Real prose.',
      "export default function Layout() { return null; }",
    ].join('\n');
    const units = splitMarkdown(src, { mdx: true });
    assert.equal(units.length, 1);
    // An `export` line inside a paragraph is not ESM in MDX either: it stays as text.
    assert.equal(units[0]!.text, 'Real prose.\nexport default function Layout() { return null; }');
    assert.equal(units[0]!.startLine, 7);
  });

  it('uses pure heading paths when there is an H1; skipped levels and setext headings nest by level', () => {
    const src = [
      '---',
      'title: Ignored for paths',
      '---',
      'Intro text.',
      '',
      'Guide',
      '=====',
      '',
      'Guide intro.',
      '',
      '### Deep {#deep-id}',
      '',
      'Deep text.',
      '',
      'Setext two',
      '----------',
      'Under setext two.',
      '',
      '#### Leaf ####',
      'Leaf text.',
    ].join('\n');
    const units = splitMarkdown(src);
    assert.deepEqual(
      units.map((u) => [u.title, u.startLine, u.endLine, u.text]),
      [
        ['Ignored for paths', 1, 3, 'Ignored for paths'],
        ['Ignored for paths', 4, 4, 'Intro text.'],
        ['Guide', 6, 9, 'Guide intro.'],
        ['Guide › Deep', 11, 13, 'Deep text.'],
        ['Guide › Setext two', 15, 17, 'Under setext two.'],
        ['Guide › Setext two › Leaf', 19, 20, 'Leaf text.'],
      ],
    );
  });

  it('treats --- after a blank line as a thematic break, not a heading', () => {
    const units = splitMarkdown('# A\n\nOne.\n\n---\n\nTwo.\n');
    assert.equal(units.length, 1);
    assert.equal(units[0]!.text, 'One.\n\nTwo.');
    assert.equal(units[0]!.endLine, 7);
  });

  it('drops headings without prose but keeps them in their children’s path', () => {
    const units = splitMarkdown('# Root\n\n## Empty\n\n```js\nconst x = 1;\n```\n\n### Child\nChild text.\n');
    assert.deepEqual(units.map((u) => u.title), ['Root › Empty › Child']);
  });

  it('parses quoted, folded and literal frontmatter values', () => {
    const quoted = splitMarkdown('---\ntitle: "Say \\"hi\\" \\u00e9"\ndescription: \'It\'\'s fine\'\n---\n');
    assert.deepEqual(quoted, [
      { kind: 'markdown', title: 'Say "hi" é', text: 'Say "hi" é\nIt\'s fine', startLine: 1, endLine: 4 },
    ]);
    const folded = splitMarkdown('---\ntitle: Tutorial\ndescription: >-\n  Build your first\n  Astro blog\nother: x\n---\n');
    assert.equal(folded[0]!.text, 'Tutorial\nBuild your first Astro blog');
    const literal = splitMarkdown('---\ndescription: |-\n  Line one —\n  line two\n---\n');
    assert.deepEqual(literal.map((u) => [u.title, u.text]), [['', 'Line one —\nline two']]);
    const toml = splitMarkdown('+++\ntitle = "TOML \\"title\\""\ndate = 2024\n+++\n\nBody.');
    assert.deepEqual(toml.map((u) => [u.title, u.text]), [['TOML "title"', 'TOML "title"'], ['TOML "title"', 'Body.']]);
  });

  it('keeps fenced code (``` and ~~~, longer fences, unterminated) out of the prose', () => {
    const src = [
      '# Code',
      'Before.',
      '````md',
      '```js',
      'inner fence stays code',
      '```',
      '````',
      'Middle.',
      '~~~',
      '# not a heading',
      '~~~',
      'After.',
      '',
      '    indented code line',
      '',
      'End.',
      '```',
      'unterminated runs to the end',
      '# also not a heading',
    ].join('\n');
    const units = splitMarkdown(src, { mdx: false });
    assert.equal(units.length, 1);
    assert.equal(units[0]!.text, 'Before.\nMiddle.\nAfter.\n\nEnd.');
    assert.equal(units[0]!.endLine, 19);
  });

  it('handles CRLF and a BOM', () => {
    const units = splitMarkdown('\uFEFF---\r\ntitle: T\r\n---\r\n# Head\r\n\r\nLine one\r\nLine two\r\n');
    assert.deepEqual(units.map((u) => [u.title, u.text, u.startLine, u.endLine]), [
      ['T', 'T', 1, 3],
      ['Head', 'Line one\nLine two', 4, 7],
    ]);
    assert.ok(units.every((u) => !u.text.includes('\r') && !u.title.includes('\uFEFF')));
  });

  it('preserves Korean, Japanese and Chinese headings and text exactly', () => {
    const ko = [
      '---',
      'title: Astro 사이트를 Netlify에 배포하세요',
      'description: Astro 사이트를 Netlify의 웹에 배포하는 방법.',
      '---',
      '## 프로젝트 구성',
      '',
      '### 정적 사이트',
      '',
      'Astro 프로젝트는 기본적으로 정적 사이트입니다. 정적 Astro 사이트를 Netlify에 배포하기 위해 추가 구성이 필요하지 않습니다.',
    ].join('\n');
    const koUnits = splitMarkdown(ko);
    assert.equal(koUnits.at(-1)!.title, 'Astro 사이트를 Netlify에 배포하세요 › 프로젝트 구성 › 정적 사이트');
    assert.equal(
      koUnits.at(-1)!.text,
      'Astro 프로젝트는 기본적으로 정적 사이트입니다. 정적 Astro 사이트를 Netlify에 배포하기 위해 추가 구성이 필요하지 않습니다.',
    );
    const zh = splitMarkdown(
      '# 如何部署\n\n[Netlify](https://netlify.com) 为网络应用程序和静态网站提供托管和无服务器后端服务。任何 Astro 网站都可以托管在 Netlify 上！\n',
    );
    assert.deepEqual(zh.map((u) => [u.title, u.text]), [
      ['如何部署', 'Netlify 为网络应用程序和静态网站提供托管和无服务器后端服务。任何 Astro 网站都可以托管在 Netlify 上！'],
    ]);
    const ja = splitMarkdown('## 静的サイト\n\n<kbd>Deploy</kbd>ボタンを押します。**東京**🇯🇵 👩‍💻 𠮷野家\n');
    assert.deepEqual(ja.map((u) => [u.title, u.text]), [['静的サイト', 'Deployボタンを押します。東京🇯🇵 👩‍💻 𠮷野家']]);
  });

  it('strips inline markup to plain text', () => {
    const src = [
      '# Markup',
      '> Quote with ![an image](img.png "t") and <https://astro.build>.',
      '- [ ] A *task* with __strong__ and ~~gone~~ and snake_case_name kept',
      '| Col A | Col B |',
      '| ----- | :---: |',
      '| `a|b` | &amp; &lt;tag&gt; &#x1F680; |',
      '[ref]: https://example.com',
      'A [reference link][ref] and 2 * 3 and <span class="x">inner</span>\\*literal\\*.',
      '<!-- hidden',
      'still hidden -->Visible again.',
      '<LinkCard',
      '  title="Editor Setup"',
      '  href="/en/editor-setup/"',
      '/>',
    ].join('\n');
    const [u] = splitMarkdown(src);
    assert.equal(
      u!.text,
      [
        'Quote with an image and https://astro.build.',
        'A task with strong and gone and snake_case_name kept',
        'Col A Col B',
        'a|b & <tag> 🚀',
        'A reference link and 2 * 3 and inner*literal*.',
        'Visible again.',
        'Editor Setup',
      ].join('\n'),
    );
  });

  it('never emits lone surrogates or empty units', () => {
    const units = splitMarkdown('# 😀\n\n## Empty\n\n# Next 𝕏\n<Tabs>\n</Tabs>\n\n# Last\n\n😀 text 𝕏\n');
    assert.deepEqual(units.map((u) => [u.title, u.text]), [['Last', '😀 text 𝕏']]);
    assert.ok(units.every((u) => !LONE_SURROGATE.test(u.text) && !LONE_SURROGATE.test(u.title)));
  });

  it('is linear: a 1 MB document costs a few steps per character', () => {
    const doc = splitMarkdownFixture(1_000_000);
    const budget = unlimited();
    const units = splitMarkdown(doc, { mdx: true, budget });
    assert.ok(units.length > 100);
    // Work is counted, not timed: ~15 steps per character here; a rescan per line or per section would cost thousands.
    assert.ok(budget.steps < 40 * doc.length, `${budget.steps} steps for ${doc.length} characters`);
  });

  it('splits every file of the Astro docs corpus without code or ESM leaking into prose', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.mdx?$/.test(e.name)) files.push(p);
      }
    };
    walk(CORPUS);
    assert.ok(files.length >= 1300, `found ${files.length} files`);
    const sources = files.map((f) => readFileSync(f, 'utf8'));
    const t0 = performance.now();
    const all = sources.map((src, i) => splitMarkdown(src, { mdx: files[i]!.endsWith('.mdx') }));
    const ms = performance.now() - t0;
    assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
    let units = 0;
    all.forEach((us, i) => {
      // Top-level ESM lines of the source; an `import … from` inside inline code in a quiz answer is prose.
      const esm = new Set(sources[i]!.split(/\r?\n/).filter((l) => /^import .* from /.test(l)));
      for (const u of us) {
        units++;
        const where = `${files[i]}:${u.startLine}`;
        assert.ok(!u.text.includes('```'), `fence in ${where}`);
        assert.ok(!u.text.split('\n').some((l) => esm.has(l)), `ESM in ${where}`);
        assert.ok(u.startLine >= 1 && u.startLine <= u.endLine, `lines in ${where}`);
        assert.ok(u.text.trim() === u.text && u.text !== '', `text in ${where}`);
      }
    });
    assert.ok(units > 10_000, `only ${units} units`);
  });
});

/** About `size` characters of realistic MDX, from the corpus's Netlify pages. */
function splitMarkdownFixture(size: number): string {
  const base = ['en', 'ko', 'zh-cn']
    .map((l) => readFileSync(join(CORPUS, l, 'guides/deploy/netlify.mdx'), 'utf8'))
    .join('\n');
  const parts: string[] = [];
  for (let n = 0; n < size; n += base.length) parts.push(base);
  return parts.join('\n');
}
