// Full-text search on PostgreSQL, made to find what SQLite's FTS5 finds (notes_fts, tasks_fts
// use FTS5's default tokenizer, unicode61: case-folded, Latin diacritics removed, any
// punctuation splits words, no stemming). PostgreSQL's `simple` configuration lower-cases and
// does not stem, but keeps accents and reads "ana@example.com" as one token; so text and query
// are normalized the same way first: lower-cased, Latin accents dropped, ASCII punctuation
// turned into spaces (PostgreSQL's parser already splits at other punctuation in a UTF-8 locale).
// The migration (migrations/pg/0009_fulltext_latin_folds.sql, which replaced 0001's shorter list)
// indexes `fullTextDocumentSql(...)` of notes.body and of tasks.title + body, and the views
// notes_fts and tasks_fts expose it as `document`, so a query `document @@ fullTextQuerySql($1)`
// uses the index. test/pg-schema.test.ts checks that the migration holds exactly these expressions.

// The letters FTS5's unicode61 (remove_diacritics 1) folds to a-z, read from FTS5 itself over
// U+00C0-U+024F and U+1E00-U+1EFF (test/mcp-postgres.test.ts checks every one): a letter with one
// diacritic; not ø, ł, đ or æ (no diacritic to remove), nor a letter with two (ấ).
const ACCENTED =
  'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǦǧǨǩǪǫǰǴǵǸǹȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȮȯȲȳḀḁḂḃḄḅḆḇḊḋḌḍḎḏḐḑḒḓḘḙḚḛḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḰḱḲḳḴḵḶḷḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṔṕṖṗṘṙṚṛṞṟṠṡṢṣṪṫṬṭṮṯṰṱṲṳṴṵṶṷṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẛẠạẢảẸẹẺẻẼẽỈỉỊịỌọỎỏỤụỦủỲỳỴỵỶỷỸỹ';
const PLAIN =
  'aaaaaaceeeeiiiinooooouuuuyaaaaaaceeeeiiiinooooouuuuyyaaaaaaccccccccddeeeeeeeeeegggggggghhiiiiiiiiijjkkllllllnnnnnnoooooorrrrrrssssssssttttuuuuuuuuuuuuwwyyyzzzzzzsoouuaaiioouuggkkoojggnnaaaaeeeeiiiioooorrrruuuusstthhaaeeooyyaabbbbbbddddddddddeeeeffgghhhhhhhhhhiikkkkkkllllllmmmmmmnnnnnnnnpppprrrrrrssssttttttttuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwysaaaaeeeeeeiiiioooouuuuyyyyyyyy';
/** Every printable ASCII character that is neither a letter nor a digit. */
const ASCII_PUNCTUATION = '[\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e]+';

/** SQL: `text` (an SQL text expression) as FTS5's tokenizer would see it, as plain words. */
export function fullTextWordsSql(text: string): string {
  return `regexp_replace(translate(lower(${text}), '${ACCENTED}', '${PLAIN}'), '${ASCII_PUNCTUATION}', ' ', 'g')`;
}

/** SQL: the tsvector indexed for `text` (an SQL text expression). */
export function fullTextDocumentSql(text: string): string {
  return `to_tsvector('simple'::regconfig, ${fullTextWordsSql(text)})`;
}

/**
 * SQL: the tsquery for `query` (an SQL text expression, usually a parameter): every word must
 * appear, in any order, as FTS5 reads a MATCH of plain words.
 */
export function fullTextQuerySql(query: string): string {
  return `plainto_tsquery('simple'::regconfig, ${fullTextWordsSql(query)})`;
}

/** The indexed text of a note and of a task. */
export const NOTE_DOCUMENT_SQL = fullTextDocumentSql(`coalesce(body, '')`);
export const TASK_DOCUMENT_SQL = fullTextDocumentSql(`coalesce(title, '') || ' ' || coalesce(body, '')`);

/**
 * SQL: the tsquery a search of `words` (fullTextWords of mcp-reads.ts, passed as parameters $first,
 * $first+1, ...) asks: each word must appear, and a word the normalization splits (an email, a
 * hyphenated name) must appear as that phrase, as FTS5 reads the quoted words SQLite's reader
 * sends. Matches the index's `document` (fullTextDocumentSql).
 */
export function fullTextWordsQuerySql(first: number, count: number): string {
  const phrases = Array.from({ length: count }, (_, i) => `phraseto_tsquery('simple'::regconfig, ${fullTextWordsSql(`$${first + i}::text`)})`);
  return phrases.length === 0 ? `''::tsquery` : `(${phrases.join(' && ')})`;
}

/**
 * SQL: `text` with only A-Z lower-cased, as SQLite's lower() and LIKE fold (without ICU). The
 * contact searches (search_contacts, `contacts list --query`) compare through it on PostgreSQL so
 * both engines find the same contacts whatever the database's locale.
 */
export function asciiLowerSql(text: string): string {
  return `translate(${text}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;
}

/** `text` with only A-Z lower-cased, in JavaScript (a parameter compared with asciiLowerSql). */
export const asciiLower = (text: string) => text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
