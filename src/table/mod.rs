//! Data tables: CSV files a flow looks routing parameters up in, by a compound key (SPEC §3.2).
//!
//! ```text
//! Level1,Level2,Customer Segment,Agent,Skill Expression,Agent Group
//! Insurance,Health,Bronze,,'english' > 3,bronze_group
//! _ANY-LEVEL1_,_ANY-LEVEL2_,_ANY-SEGMENT_,,'english' > 1,workitems
//! ```
//!
//! The first row is the header and names the columns; the flow says which columns form the key. A
//! [`DataTable::lookup`] returns **every** row whose key columns equal the key values: several rows for one
//! key is a legitimate state (the flow sees it as `count`), and no row is an empty answer. The table is
//! indexed by key when it loads, so a lookup costs O(1) whatever its size, and allocates nothing.
//!
//! How the file is read:
//! - **Values are exact.** Nothing is trimmed and comparison is case-sensitive: ` Gold` and `gold` are not
//!   `Gold`, as in a Genesys data table. An empty cell is the empty string. There are no wildcards: the
//!   default row is an ordinary row whose key happens to be `_ANY-LEVEL1_`, `_ANY-LEVEL2_`, `_ANY-SEGMENT_`.
//! - **CSV** as RFC 4180 and spreadsheets write it: `,` between fields, `\n` or `\r\n` between rows
//!   (neither kept in values), `"…"` around a field holding commas, line breaks or quotes, with `""` for a
//!   quote inside. A quote anywhere else, an unclosed quote, or text after a closing quote is an error
//!   rather than a guess.
//! - **Blank lines are skipped** wherever they are (before the header, between rows, at the end). A line
//!   of spaces is not blank: it is a row with one field. A one-column table writes an empty value as `""`.
//! - A **UTF-8 byte order mark** is accepted and ignored; any other invalid UTF-8 is an error naming its
//!   line ([`DataTable::from_bytes`]).
//! - **Every problem** of a file is reported, each as a [`Diagnostic`] located in the file, in file order.
//!
//! ```
//! use routeflow::diagnostic::SourceFile;
//! use routeflow::table::DataTable;
//!
//! let file = SourceFile::new("routing.csv", "Level1,Group\nInsurance,gold\nBanking,silver\n");
//! let table = DataTable::parse("ROUTING", &file, &["Level1"]).unwrap();
//! let group = table.column("Group").unwrap();
//! let row = table.lookup(&["Insurance"]).single().unwrap();
//! assert_eq!(row.get(group), "gold");
//! assert_eq!(table.lookup(&["insurance"]).len(), 0);
//! ```

mod decode;
mod index;
mod load;
mod scan;
mod values;

use std::fmt;
use std::iter::FusedIterator;

use crate::diagnostic::{Diagnostic, SourceFile, Span};
use index::Index;
use values::{Value, Values};

/// A CSV data table indexed by its key columns; immutable once loaded, and cheap to share in an `Arc`.
#[derive(Clone)]
pub struct DataTable {
    name: Box<str>,
    columns: Box<[Box<str>]>,
    key: Box<[Column]>,
    /// Row after row, `columns.len()` cells per row.
    cells: Box<[Value]>,
    values: Values,
    /// Where each row is in the file, for diagnostics about its cells.
    spans: Box<[Span]>,
    index: Index,
}

/// A column of one table, resolved by name once (when the flow loads), never per lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Column(usize);

impl Column {
    /// Position in the header, from 0.
    pub fn index(self) -> usize {
        self.0
    }
}

/// A data row of one table, numbered from 0 in file order (the header and blank lines are not rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowId(u32);

impl RowId {
    /// Position among the data rows, from 0.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl DataTable {
    /// Parse the CSV text of `file` as data table `name`, keyed by the columns named in `key`, in order.
    ///
    /// On failure, every problem found in the file, located in it and in file order. A text starting
    /// with a byte order mark is read without it; spans still point into `file`'s text.
    pub fn parse(
        name: &str,
        file: &SourceFile,
        key: &[&str],
    ) -> Result<DataTable, Vec<Diagnostic>> {
        load::parse(name, file, key)
    }

    /// Parse a file's bytes: the file is named `path` in diagnostics, its byte order mark (if any) is
    /// dropped and invalid UTF-8 is reported by line. The returned [`SourceFile`] is what diagnostics are
    /// located in, whether the table loaded or not.
    pub fn from_bytes(
        name: &str,
        path: &str,
        bytes: &[u8],
        key: &[&str],
    ) -> (SourceFile, Result<DataTable, Vec<Diagnostic>>) {
        let (file, mut errors) = decode::decode(path, bytes);
        let table = load::parse(name, &file, key);
        let result = match table {
            Ok(table) if errors.is_empty() => Ok(table),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                errors.sort_by_key(|diagnostic| diagnostic.span.start);
                Err(errors)
            }
        };
        (file, result)
    }

    /// The table's name, as the flow declares it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The column names, in header order.
    pub fn columns(&self) -> impl ExactSizeIterator<Item = &str> {
        self.columns.iter().map(|name| &**name)
    }

    /// The column named exactly `name`.
    pub fn column(&self, name: &str) -> Option<Column> {
        self.columns
            .iter()
            .position(|column| **column == *name)
            .map(Column)
    }

    /// The name of `column`.
    pub fn column_name(&self, column: Column) -> &str {
        &self.columns[column.0]
    }

    /// The key columns, in key order.
    pub fn key(&self) -> &[Column] {
        &self.key
    }

    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.spans.len()
    }

    /// Number of distinct keys among the rows.
    pub fn distinct_keys(&self) -> usize {
        self.index.keys()
    }

    /// Every row whose key columns equal `key`, part for part, exactly; in file order.
    ///
    /// A key with another number of parts than the table's key matches no row: checking the arity is
    /// the caller's business, once, when the flow loads.
    pub fn lookup(&self, key: &[&str]) -> Rows<'_> {
        let ids = if key.len() == self.key.len() {
            let hash = self.index.hasher().hash(key.iter().copied());
            self.index.find(hash, |row| {
                self.key
                    .iter()
                    .zip(key)
                    .all(|(&column, part)| self.value(RowId(row), column) == *part)
            })
        } else {
            &[]
        };
        Rows {
            table: self,
            ids: ids.iter(),
        }
    }

    /// The value of `column` in `row`.
    ///
    /// # Panics
    /// If `row` or `column` comes from another, larger table.
    pub fn value(&self, row: RowId, column: Column) -> &str {
        let width = self.columns.len();
        let start = row.index() * width;
        self.values.get(self.cells[start..start + width][column.0])
    }

    /// The value of `column` in `row`, as a shared string (no copy).
    ///
    /// # Panics
    /// If `row` or `column` comes from another, larger table.
    pub fn shared_value(&self, row: RowId, column: Column) -> &crate::expr::Text {
        let width = self.columns.len();
        let start = row.index() * width;
        self.values
            .shared(self.cells[start..start + width][column.0])
    }

    /// The row `id`.
    pub fn row(&self, id: RowId) -> Row<'_> {
        Row {
            table: self,
            id: id.0,
        }
    }

    /// All rows, in file order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Row<'_>> {
        (0..self.spans.len() as u32).map(|id| Row { table: self, id })
    }

    /// Where the cell of `column` in `row` is in `file` (the file the table was parsed from), quotes
    /// included; for diagnostics about a value, such as a skill expression that does not parse.
    pub fn cell_span(&self, file: &SourceFile, row: RowId, column: Column) -> Span {
        let row_span = self.row(row).span();
        let mut scanner = scan::Scanner::new(file.text(), row_span.start as usize);
        let mut fields = Vec::with_capacity(self.columns.len());
        scanner.record(&mut fields, &mut Vec::new());
        fields.get(column.0).map_or(row_span, |field| field.span)
    }
}

impl fmt::Debug for DataTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataTable")
            .field("name", &self.name)
            .field("columns", &self.columns)
            .field("key", &self.key)
            .field("rows", &self.rows())
            .field("distinct_values", &self.values.len())
            .finish()
    }
}

/// One row of a table.
#[derive(Clone, Copy)]
pub struct Row<'t> {
    table: &'t DataTable,
    id: u32,
}

impl<'t> Row<'t> {
    /// Which row this is.
    pub fn id(self) -> RowId {
        RowId(self.id)
    }

    /// The value in `column`.
    pub fn get(self, column: Column) -> &'t str {
        self.table.value(RowId(self.id), column)
    }

    /// The values, in header order.
    pub fn values(self) -> impl ExactSizeIterator<Item = &'t str> {
        let width = self.table.columns.len();
        let start = self.id as usize * width;
        let table = self.table;
        table.cells[start..start + width]
            .iter()
            .map(|&value| table.values.get(value))
    }

    /// Where the row is in the file it was parsed from.
    pub fn span(self) -> Span {
        self.table.spans[self.id as usize]
    }
}

impl fmt::Debug for Row<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Row")
            .field(&self.id)
            .field(&self.values().collect::<Vec<_>>())
            .finish()
    }
}

/// The rows a lookup found, in file order; [`ExactSizeIterator::len`] is the `count` a flow sees.
#[derive(Clone, Debug)]
pub struct Rows<'t> {
    table: &'t DataTable,
    ids: std::slice::Iter<'t, u32>,
}

impl<'t> Rows<'t> {
    /// The row found, when exactly one was (the only case in which a flow assigns the columns).
    pub fn single(self) -> Option<Row<'t>> {
        match self.ids.as_slice() {
            &[id] => Some(Row {
                table: self.table,
                id,
            }),
            _ => None,
        }
    }
}

impl<'t> Iterator for Rows<'t> {
    type Item = Row<'t>;

    fn next(&mut self) -> Option<Row<'t>> {
        let table = self.table;
        self.ids.next().map(|&id| Row { table, id })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ids.size_hint()
    }
}

impl DoubleEndedIterator for Rows<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let table = self.table;
        self.ids.next_back().map(|&id| Row { table, id })
    }
}

impl ExactSizeIterator for Rows<'_> {}

impl FusedIterator for Rows<'_> {}
