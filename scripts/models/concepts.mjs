// The concepts of the generated "concept" model (test/models/concept): each concept is a set of words in
// English, Korean, Japanese and Chinese that the model maps to one and the same vector, so a text's
// embedding is (approximately) the normalised sum of its concepts' vectors whatever its language.
// Tests build multilingual fixture workspaces from this list and know which documents must match.
//
// Rules for editing (the generator checks them and fails loudly):
// - Words are single tokens of text: no spaces. English words are lowercase; the tokenizer also gets
//   Capitalised and UPPERCASE variants of them. List the inflections you need (database, databases).
// - A word may belong to one concept only (the same spelling in two languages of ONE concept is fine:
//   性能 is Japanese and Chinese).
// - At most 63 concepts keep the model at hidden size 64 (one dimension is reserved); more make it wider.
// - Any edit changes the generated model (the generator hashes its own sources), so it is regenerated.

/** @typedef {'en' | 'ko' | 'ja' | 'zh'} Language */
/**
 * @typedef {object} Concept
 * @property {string} id stable identifier, also the English base word
 * @property {readonly string[]} en English forms (lowercase), the first being the base form
 * @property {readonly string[]} ko Korean words
 * @property {readonly string[]} ja Japanese words
 * @property {readonly string[]} zh Chinese (simplified) words
 */

/** @type {readonly Language[]} */
export const LANGUAGES = Object.freeze(['en', 'ko', 'ja', 'zh']);

/**
 * Compact table: id | English forms | Korean | Japanese | Chinese (words separated by spaces).
 * The first English form is the base form; the first word of each language its usual translation.
 */
const TABLE = `
database       | database databases | 데이터베이스 | データベース | 数据库
connection     | connection connections connect connects connected connecting | 연결 접속 | 接続 | 连接
deploy         | deploy deploys deployed deploying deployment deployments | 배포 | デプロイ | 部署
password       | password passwords | 비밀번호 패스워드 | パスワード | 密码
cache          | cache caches cached caching | 캐시 | キャッシュ | 缓存
error          | error errors | 오류 에러 | エラー | 错误 报错
install        | install installs installed installing installation installations | 설치 | インストール | 安装
file           | file files | 파일 | ファイル | 文件
image          | image images | 이미지 | 画像 イメージ | 图像 图片 镜像
search         | search searches searched searching | 검색 | 検索 | 搜索 检索
server         | server servers | 서버 | サーバー サーバ | 服务器
test           | test tests tested testing | 테스트 | テスト | 测试
user           | user users | 사용자 유저 | ユーザー ユーザ | 用户
configuration  | configuration configurations configure configures configured configuring config settings setting | 설정 구성 | 設定 構成 | 配置 设置
network        | network networks networking | 네트워크 | ネットワーク | 网络
memory         | memory | 메모리 | メモリ メモリー | 内存
performance    | performance | 성능 | パフォーマンス 性能 | 性能
security       | security secure | 보안 | セキュリティ | 安全
update         | update updates updated updating | 업데이트 | 更新 アップデート | 更新
delete         | delete deletes deleted deleting deletion | 삭제 | 削除 | 删除
download       | download downloads downloaded downloading | 다운로드 | ダウンロード | 下载
upload         | upload uploads uploaded uploading | 업로드 | アップロード | 上传
login          | login logins | 로그인 | ログイン | 登录
log            | log logs logging logged | 로그 | ログ | 日志
permission     | permission permissions | 권한 | 権限 | 权限
backup         | backup backups | 백업 | バックアップ | 备份
request        | request requests requested | 요청 | リクエスト | 请求
response       | response responses | 응답 | レスポンス 応答 | 响应
function       | function functions | 함수 | 関数 | 函数
variable       | variable variables | 변수 | 変数 | 变量
version        | version versions | 버전 | バージョン | 版本
build          | build builds building built | 빌드 | ビルド | 构建
container      | container containers | 컨테이너 | コンテナ コンテナー | 容器
query          | query queries | 쿼리 질의 | クエリ クエリー | 查询
index          | index indexes indices indexing indexed | 인덱스 색인 | インデックス 索引 | 索引
page           | page pages | 페이지 | ページ | 页面
component      | component components | 컴포넌트 | コンポーネント | 组件
authentication | authentication authenticate authenticated | 인증 | 認証 | 认证
encryption     | encryption encrypt encrypted encrypting | 암호화 | 暗号化 | 加密
timeout        | timeout timeouts | 타임아웃 | タイムアウト | 超时
folder         | folder folders directory directories | 폴더 디렉터리 디렉토리 | フォルダ フォルダー ディレクトリ | 文件夹 目录
browser        | browser browsers | 브라우저 | ブラウザ ブラウザー | 浏览器
email          | email emails | 이메일 | メール | 邮件 电子邮件
document       | document documents documentation docs | 문서 | ドキュメント 文書 | 文档
debug          | debug debugging debugger | 디버그 디버깅 | デバッグ | 调试
shortcut       | shortcut shortcuts | 단축키 | ショートカット | 快捷键
extension      | extension extensions plugin plugins | 확장 플러그인 | 拡張機能 拡張 プラグイン | 扩展 插件
terminal       | terminal terminals | 터미널 | ターミナル | 终端
editor         | editor editors | 편집기 에디터 | エディタ エディター | 编辑器
language       | language languages | 언어 | 言語 | 语言
translation    | translation translations translate translated | 번역 | 翻訳 | 翻译
model          | model models | 모델 | モデル | 模型
vector         | vector vectors | 벡터 | ベクトル | 向量
embedding      | embedding embeddings | 임베딩 | 埋め込み エンベディング | 嵌入
message        | message messages | 메시지 | メッセージ | 消息
account        | account accounts | 계정 | アカウント | 账户 账号 帐户
notification   | notification notifications notify | 알림 | 通知 | 通知
payment        | payment payments | 결제 | 決済 支払い | 支付 付款
table          | table tables | 테이블 | テーブル | 表格 数据表
migration      | migration migrations migrate | 마이그레이션 | マイグレーション 移行 | 迁移
dependency     | dependency dependencies | 의존성 | 依存関係 | 依赖
license        | license licenses licence | 라이선스 라이센스 | ライセンス | 许可证
`;

/** @param {string} s */
const words = (s) => Object.freeze(s.trim().split(/\s+/));
/** The cells of a compact table, row by row. @param {string} table */
const rows = (table) => table.trim().split('\n').map((line) => line.split('|').map((s) => s.trim()));

/** All concepts, in a fixed order (the order fixes each concept's vector). @type {readonly Concept[]} */
export const CONCEPTS = Object.freeze(rows(TABLE).map(([id, en, ko, ja, zh]) => (
  Object.freeze({ id, en: words(en), ko: words(ko), ja: words(ja), zh: words(zh) })
)));

/**
 * The concept with this id.
 * @param {string} id
 * @returns {Concept}
 */
export function conceptById(id) {
  const c = CONCEPTS.find((x) => x.id === id);
  if (!c) throw new Error(`unknown concept: ${id}`);
  return c;
}

/**
 * The words of a concept in one language, or in all languages.
 * @param {Concept} concept
 * @param {Language} [language]
 * @returns {string[]}
 */
export function conceptWords(concept, language) {
  return language ? [...concept[language]] : LANGUAGES.flatMap((l) => concept[l]);
}

/**
 * @typedef {object} ParallelSentence
 * @property {readonly string[]} concepts ids of the concepts the sentence contains (each once)
 * @property {string} en @property {string} ko @property {string} ja @property {string} zh
 */

/** Compact table: concept ids (separated by spaces) | English | Korean | Japanese | Chinese. */
const SENTENCES = `
configuration database connection | How do I configure the database connection? | 데이터베이스 연결은 어떻게 설정하나요? | データベース接続はどのように設定しますか？ | 数据库连接怎么配置？
deploy image server | Deploy the image to the server. | 이미지를 서버에 배포하세요. | イメージをサーバーにデプロイしてください。 | 将镜像部署到服务器。
user password login | The user needs a password for login. | 사용자는 로그인할 때 비밀번호가 필요합니다. | ユーザーはログインにパスワードが必要です。 | 用户登录时需要密码。
cache memory performance | The cache uses memory to improve performance. | 캐시는 메모리를 사용하여 성능을 향상시킵니다. | キャッシュはメモリを使ってパフォーマンスを向上させます。 | 缓存使用内存来提高性能。
install error log | If the installation fails, check the error log. | 설치에 실패하면 오류 로그를 확인하세요. | インストールに失敗した場合は、エラーログを確認してください。 | 如果安装失败，请查看错误日志。
search file folder | Search for files in this folder. | 이 폴더에서 파일을 검색하세요. | このフォルダでファイルを検索します。 | 在这个文件夹中搜索文件。
test build version | Run the tests before you build a new version. | 새 버전을 빌드하기 전에 테스트를 실행하세요. | 新しいバージョンをビルドする前にテストを実行してください。 | 在构建新版本之前运行测试。
request network timeout | The request failed because of a network timeout. | 네트워크 타임아웃 때문에 요청이 실패했습니다. | ネットワークのタイムアウトでリクエストが失敗しました。 | 由于网络超时，请求失败了。
`;

/**
 * The same sentence in four languages. Each version contains exactly the listed concepts once, so their
 * embeddings under the concept model agree (cosine ≈ 1), and two sentences sharing no concept have
 * cosine ≈ 0. Checked by test/unit/models.test.ts. @type {readonly ParallelSentence[]}
 */
export const PARALLEL_SENTENCES = Object.freeze(rows(SENTENCES).map(([concepts, en, ko, ja, zh]) => (
  Object.freeze({ concepts: words(concepts), en, ko, ja, zh })
)));
