// Word lists for the generated tokenizers: no meaning is attached to these (their embeddings are zero in
// the concept model); they exist so that ordinary text segments into word-sized tokens, roughly as the
// real XLM-R tokenizer does, instead of into single characters.

/** Sample sentences the tiny model's small tokenizer is built from (English, Korean, Japanese, Chinese). */
export const TINY_CORPUS = Object.freeze([
  'Hello world, this is a test of the semantic search engine.',
  'How do I open a file in Visual Studio Code?',
  'The quick brown fox jumps over the lazy dog.',
  'Search the workspace for similar code snippets and functions.',
  'Machine learning models turn text into vectors for retrieval.',
  'import a module, export a class, return the result of the query',
  '안녕하세요 세계', '이것은 의미 검색 엔진의 테스트입니다.', '파일을 여는 방법을 알려주세요.', '비슷한 코드 조각을 검색합니다.', '함수와 클래스와 변수',
  'こんにちは世界', 'これは意味検索エンジンのテストです。', 'ファイルを開く方法を教えてください。', '似ているコードの断片を検索します。', '関数とクラスと変数',
  '你好，世界', '这是语义搜索引擎的测试。', '如何在编辑器中打开文件？', '搜索相似的代码片段。', '函数、类和变量',
]);

/** CJK words (no spaces around them in text) that get a piece of their own in the tiny tokenizer. */
export const TINY_CJK_WORDS = Object.freeze([
  '世界', '検索', 'エンジン', 'ファイル', 'コード', '方法', '関数', 'クラス', '変数', 'テスト', '意味', '断片',
  '搜索', '引擎', '文件', '代码', '片段', '函数', '变量', '语义', '编辑器', '测试', '相似',
  '검색', '파일', '코드', '함수', '클래스', '변수', '세계',
]);

/** English affixes, so unknown English words split into plausible sub-words. */
export const ENGLISH_AFFIXES = Object.freeze([
  's', 'es', 'ed', 'ing', 'er', 'ers', 'ly', 'tion', 'tions', 'ment', 'ments', 'able', 'ness', 'ful', 'less',
  'al', 'ic', 'ive', 'ize', 'ise', 'ity', 'ous', 'th', 'an', 'in', 're', 'un', 'pre', 'de', 'dis', 'con', 'pro', 'ex',
]);

/**
 * Common English words (documentation and code-comment vocabulary). Besides realistic token counts they
 * stop concept pieces from matching inside unrelated words: "stable" must not read as "s" + "table",
 * "latest" not as "la" + "test", "profile" not as "pro" + "file".
 */
export const ENGLISH_WORDS = Object.freeze(`
a an the and or but not no nor so if then else than that this these those there here where when while
why how what which who whom whose of in on at to from by with without within into onto out over under
up down off about above below after before between through during across along around against among
per via as is are was were be been being am do does did done doing have has had having can could will
would shall should may might must need needs needed it its it's i me my mine we us our you your he him
his she her they them their one two three four five first second last next new old same other another
each every all any some many much more most less least few several such own only just also very too
again already always never often sometimes still yet even ever now today once twice both either neither
get gets got getting make makes made making use uses used using run runs ran running see show shows
shown find finds found look looks take takes took give gives gave go goes went gone come comes came
keep keeps let lets put puts set sets say says said tell know known think want wants like likes work
works worked working call calls called calling add adds added adding open opens opened close closes
closed start starts started stop stops stopped change changes changed changing check checks checked
read reads write writes written writing return returns returned print prints send sends sent receive
load loads loaded save saves saved select selects selected click type types value values name names
key keys data text line lines word words code project projects example examples option options command
commands list lists item items result results object objects string strings number numbers array arrays
field fields method methods class classes module modules library libraries package packages path paths
window windows view views tab tabs panel button buttons menu input output source target default custom
local remote global public private static async await true false null undefined import export const
var void new try catch throw finally case switch break continue for each while do else
note notes tip warning important see also following above below example step steps guide tutorial
overview introduction section chapter part summary reference support help question questions answer
problem problems issue issues bug bugs fix fixes fixed feature features way ways time times date day
days year years system systems service services process processes thread threads task tasks job jobs
event events state status mode level size length count total limit range order format content
information info detail details description title label tag tags group groups team people person
company product products app apps application applications tool tools environment platform
support supported supports available enable enabled disable disabled allow allows allowed require
requires required provide provides provided include includes included contain contains create creates
created creating generate generated define defined describe described explain explained specify
specified handle handles handled process processed ensure note important simple easy quick fast slow
good better best bad small large big high low long short full empty main basic advanced common
general specific single multiple different similar following previous current recent
latest fastest greatest contest protest attest stable unstable suitable portable
notable editable mutable immutable executable acceptable comfortable timetable vegetable profile
profiles logic logical logo blog blogs catalog dialog dialogs analog technology biology apology
observer observers author authors authority imagine imagination research researcher
`.split(/\s+/).filter(Boolean));

/** Words and fragments frequent in technical text (URLs, file names, code). */
export const TECH_WORDS = Object.freeze(`
http https www com org net io dev github gitlab npm npx pnpm yarn node js mjs cjs ts tsx jsx json yaml yml
toml xml html htm css scss md mdx txt png jpg jpeg svg gif pdf csv src lib dist bin tmp env api url uri id
ui ux cli sdk ide vs vscode git docker kubernetes linux windows macos ios android react vue svelte astro
angular next nuxt vite webpack esbuild typescript javascript python java rust go sql css html markdown
props prop const let var fn async await param params arg args obj str num int bool div span img href
onClick onChange localhost true false null undefined
`.split(/\s+/).filter(Boolean));

/** Korean function words and endings (particles attach to the preceding word without a space). */
export const KOREAN_WORDS = Object.freeze(`
어떻게 무엇 무엇을 방법 방법을 경우 경우에 때 때문에 위해 위한 그리고 또는 하지만 그러나 및 이 그 저 것 것을 수
있습니다 없습니다 있는 없는 있다 없다 합니다 했습니다 하는 하고 하여 해서 해야 하나요 하세요 해요 됩니다 되는
입니다 이다 주세요 알려주세요 확인 확인하세요 문제 해결 변경 추가 실행 사용 사용하여 코드 프로젝트 데이터
다음 예제 예 참고 중 더 가장 모든 각 새 새로운 다른 같은 좋은 안녕하세요 세계 의미 비슷한 조각
은 는 이 가 을 를 에 의 와 과 도 로 으로 에서 에게 부터 까지 만 요 다
`.split(/\s+/).filter(Boolean));

/** Japanese function words and common words. */
export const JAPANESE_WORDS = Object.freeze(`
です ます でした ました します しますか しません ください してください する して した される されます
できます できる できません ある あります ありません いる います ない この その あの これ それ どれ
こと もの ため よう ように どうやって どのように 方法 場合 使用 使う 使って 問題 確認 変更 追加 実行
コード プロジェクト データ 次 例 注意 すべて 新しい 同じ 他 こんにちは 世界 意味 断片
は が を に の で と も へ や から まで より か ね よ
`.split(/\s+/).filter(Boolean));

/** Chinese function words and common words. */
export const CHINESE_WORDS = Object.freeze(`
怎么 如何 什么 为什么 我们 你们 他们 可以 需要 使用 如果 因为 所以 这个 那个 这些 那些 没有 已经 问题
方法 代码 项目 数据 时候 进行 通过 以及 或者 并且 一个 请 吗 呢 的 了 是 在 和 与 或 也 都 就 还 把 被
例如 注意 所有 新的 相同 其他 你好 世界 语义 片段 相似 打开
`.split(/\s+/).filter(Boolean));
