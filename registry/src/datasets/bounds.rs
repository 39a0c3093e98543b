//! What an upload may decode to, checked from the file's structure before any value is decoded,
//! so that ingest of any upload — a 100k-column header, a footer claiming huge pages, a
//! dictionary of 8 MiB strings — stays within a fixed memory bound whatever its content.
//!
//! CSV: one streaming pass with a fixed 64 KiB buffer counts the header's columns and measures the
//! longest record before schema inference reads anything. Parquet: the footer's size and column
//! count are checked before the footer is decoded into a schema, then every page header is read
//! (not the pages) to cap each page's decoded size; gzip and zstd pages are expanded into nothing
//! with a bounded reader first, because those codecs ignore the size a page declares. The batch
//! size then follows from the widest row the structure allows, so one batch stays under
//! [`IngestLimits::max_batch_bytes`].

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::basic::{Compression, Type as PhysicalType};
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::format::PageHeader;
use parquet::thrift::TSerializable;

use super::ingest::IngestError;

/// Caps on what one upload may hold and decode to. The defaults keep ingest under 512 MiB of
/// resident memory (measured in `docs/benchmarks.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestLimits {
    /// Columns an upload may have (CSV header fields, Parquet leaf columns).
    pub max_columns: usize,
    /// Bytes one CSV record may span, quotes and delimiters included.
    pub max_line_bytes: usize,
    /// Bytes one string value may hold.
    pub max_value_bytes: usize,
    /// Bytes one Parquet page may decode to (writers use 1 MiB; a single large value needs more).
    pub max_page_bytes: usize,
    /// Bytes of a Parquet footer (the file's metadata), checked before it is decoded.
    pub max_footer_bytes: usize,
    /// Decoded bytes one batch may hold; the batch size is chosen from the widest row possible.
    pub max_batch_bytes: usize,
    /// Decoded bytes one row may hold at most, judged from the structure (Parquet: each column's widest
    /// page, summed). A batch has at least one row, and the reader holds each column's current page
    /// while the writer holds what it encoded, so this, not the batch cap, bounds the worst batch.
    pub max_row_bytes: usize,
    /// Decoded bytes a whole upload may hold (Arrow memory, summed over batches).
    pub max_decoded_bytes: u64,
    /// Bytes of the Parquet file ingest writes (the stored dataset).
    pub max_output_bytes: u64,
    /// Encoded bytes the writer may buffer before it flushes a row group to disk.
    pub max_row_group_bytes: usize,
}

impl Default for IngestLimits {
    fn default() -> Self {
        IngestLimits {
            max_columns: 1_024,
            max_line_bytes: 1 << 20,
            max_value_bytes: 1 << 20,
            max_page_bytes: 16 << 20,
            max_footer_bytes: 16 << 20,
            max_batch_bytes: 64 << 20,
            max_row_bytes: 40 << 20,
            max_decoded_bytes: 2 << 30,
            max_output_bytes: 256 << 20,
            max_row_group_bytes: 64 << 20,
        }
    }
}

impl IngestLimits {
    /// Rows per batch so that rows of `row_bytes` (an upper bound) fit in one batch, between 1 and `most`.
    pub fn batch_rows(&self, row_bytes: usize, most: usize) -> usize {
        (self.max_batch_bytes / row_bytes.max(1)).clamp(1, most.max(1))
    }

    fn too_many_columns(&self, what: &str, found: impl std::fmt::Display) -> IngestError {
        IngestError::Invalid(format!("{what} has {found} columns; at most {} are allowed", self.max_columns))
    }
}

/// What the bounding pass over a CSV file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvShape {
    /// Fields in the header record.
    pub columns: usize,
    /// Bytes of the longest record, delimiters, quotes and line end included.
    pub longest_record: usize,
}

impl CsvShape {
    /// An upper bound on the decoded bytes of one row: the record's bytes twice (the decoder's copy
    /// and the Arrow values) plus 24 bytes per field (decoder offsets, Arrow offsets or values, validity).
    pub fn row_bytes(&self) -> usize {
        self.longest_record.saturating_mul(2).saturating_add(self.columns.saturating_mul(24))
    }
}

/// Reads `input` once as CSV (RFC 4180 quoting, as arrow-csv reads it) with fixed buffers, refusing a
/// header with more than `max_columns` fields, any record with more fields than that, and any record
/// longer than `max_line_bytes`, naming the line. Nothing is kept but counts, so this is safe to run
/// on any file before schema inference.
pub fn scan_csv(input: &Path, limits: &IngestLimits) -> Result<CsvShape, IngestError> {
    let mut file = BufReader::with_capacity(64 << 10, File::open(input)?);
    let mut reader = csv_core::Reader::new();
    // Field contents are not needed, only counted: both buffers are reused whenever they fill.
    let mut out = vec![0u8; 64 << 10];
    let mut ends = vec![0usize; 4_096];
    let (mut fields, mut bytes, mut line) = (0usize, 0usize, 1u64);
    let mut shape: Option<CsvShape> = None;
    loop {
        let buffer = file.fill_buf()?;
        let at_end = buffer.is_empty();
        let (result, read, _, ended) = reader.read_record(buffer, &mut out, &mut ends);
        file.consume(read);
        fields += ended;
        bytes += read;
        if fields > limits.max_columns {
            return Err(match shape {
                None => limits.too_many_columns("the CSV header", format!("more than {}", limits.max_columns)),
                Some(_) => IngestError::Invalid(format!(
                    "line {line} has more than {} fields; at most {} columns are allowed",
                    limits.max_columns, limits.max_columns
                )),
            });
        }
        if bytes > limits.max_line_bytes {
            return Err(IngestError::Invalid(format!(
                "line {line} is longer than {} bytes, the most one CSV record may hold",
                limits.max_line_bytes
            )));
        }
        match result {
            csv_core::ReadRecordResult::Record => {
                let shape = shape.get_or_insert(CsvShape { columns: fields, longest_record: 0 });
                shape.longest_record = shape.longest_record.max(bytes);
                (fields, bytes, line) = (0, 0, reader.line());
            }
            csv_core::ReadRecordResult::End => break,
            // An empty buffer at the end of the file makes the reader finish the last record; it
            // never asks for more once told there is none, but a loop must not rely on that.
            csv_core::ReadRecordResult::InputEmpty if at_end => break,
            _ => {}
        }
    }
    Ok(shape.unwrap_or(CsvShape { columns: 0, longest_record: 0 }))
}

/// How to read a Parquet upload within the limits: its metadata (decoded once) and, for each row
/// group, the rows per batch.
#[derive(Debug, Clone)]
pub struct ParquetPlan {
    /// The file's metadata and Arrow schema.
    pub metadata: ArrowReaderMetadata,
    /// Rows per batch for each row group, in file order.
    pub batch_rows: Vec<usize>,
}

/// Checks a Parquet file's structure against `limits` without decoding a value: the footer's size
/// before it is decoded, then the number of leaf columns, every column chunk's place in the file,
/// every page's declared decoded size (and, for gzip and zstd, that the page expands to no more), and
/// the decoded total the footer claims. Returns the metadata and batch sizes to read it with.
pub fn plan_parquet(file: &File, limits: &IngestLimits, most_rows: usize) -> Result<ParquetPlan, IngestError> {
    let len = file.metadata()?.len();
    let footer = footer_len(file, len)?;
    if footer > limits.max_footer_bytes as u64 {
        return Err(IngestError::Invalid(format!(
            "the Parquet footer is {footer} bytes; at most {} are allowed (is it very wide?)",
            limits.max_footer_bytes
        )));
    }
    let metadata = ArrowReaderMetadata::load(file, ArrowReaderOptions::new()).map_err(not_parquet)?;
    let schema = metadata.metadata().file_metadata().schema_descr();
    if schema.num_columns() > limits.max_columns {
        return Err(limits.too_many_columns("the Parquet file", schema.num_columns()));
    }
    let claimed: i64 = metadata.metadata().row_groups().iter().map(|g| g.total_byte_size().max(0)).sum();
    if claimed as u64 > limits.max_decoded_bytes {
        return Err(too_much_decoded(limits));
    }
    let mut batch_rows = Vec::with_capacity(metadata.metadata().num_row_groups());
    for group in metadata.metadata().row_groups() {
        let mut row_bytes = 0usize;
        for chunk in group.columns() {
            let widest_page = check_pages(file, len, chunk, limits)?;
            row_bytes = row_bytes.saturating_add(value_bytes(chunk, widest_page));
        }
        if row_bytes > limits.max_row_bytes {
            return Err(IngestError::Invalid(format!(
                "a row of this Parquet file may decode to {row_bytes} bytes (each column's largest page, summed); \
                 rows are limited to {} bytes (write smaller pages or fewer columns)",
                limits.max_row_bytes
            )));
        }
        batch_rows.push(limits.batch_rows(row_bytes, most_rows));
    }
    Ok(ParquetPlan { metadata, batch_rows })
}

/// The refusal when an upload decodes to more than the whole-upload cap.
pub fn too_much_decoded(limits: &IngestLimits) -> IngestError {
    IngestError::TooLarge(format!(
        "the upload decodes to more than {} bytes, the most one may hold",
        limits.max_decoded_bytes
    ))
}

fn not_parquet(e: impl std::fmt::Display) -> IngestError {
    IngestError::Invalid(format!("not a valid Parquet file: {e}"))
}

/// The footer length the file's last 8 bytes state (`len` + `PAR1`).
fn footer_len(file: &File, len: u64) -> Result<u64, IngestError> {
    if len < 12 {
        return Err(not_parquet(format!("{len} bytes is too short")));
    }
    let mut tail = [0u8; 8];
    let mut reader = file;
    reader.seek(SeekFrom::Start(len - 8))?;
    reader.read_exact(&mut tail)?;
    if &tail[4..] != b"PAR1" {
        return Err(not_parquet("it does not end with the Parquet magic bytes"));
    }
    let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer + 12 > len {
        return Err(not_parquet(format!("its footer claims {footer} bytes of a {len}-byte file")));
    }
    Ok(footer)
}

/// An upper bound on one value's decoded bytes in this column: fixed-width types take at most 16
/// (Decimal128), variable-length ones at most the widest page that holds them, plus an offset.
fn value_bytes(chunk: &ColumnChunkMetaData, widest_page: usize) -> usize {
    match chunk.column_type() {
        PhysicalType::BYTE_ARRAY => widest_page.saturating_add(16),
        PhysicalType::FIXED_LEN_BYTE_ARRAY => usize::try_from(chunk.column_descr().type_length()).unwrap_or(0) + 16,
        _ => 16,
    }
}

/// Reads every page header of `chunk` (skipping page bodies), refusing a chunk outside the file, a
/// page declaring more than `max_page_bytes`, and a gzip or zstd page that expands beyond what it
/// declares. Returns the largest declared page size.
fn check_pages(
    file: &File,
    len: u64,
    chunk: &ColumnChunkMetaData,
    limits: &IngestLimits,
) -> Result<usize, IngestError> {
    let column = chunk.column_path().string();
    let bad = |why: String| IngestError::Invalid(format!("Parquet column `{column}`: {why}"));
    let start = chunk.dictionary_page_offset().unwrap_or(chunk.data_page_offset());
    let size = chunk.compressed_size();
    let (Ok(start), Ok(size)) = (u64::try_from(start), u64::try_from(size)) else {
        return Err(bad(format!("its chunk has a negative offset ({start}) or size ({size})")));
    };
    if start.checked_add(size).is_none_or(|end| end > len) {
        return Err(bad(format!("its chunk ({size} bytes at {start}) lies outside the {len}-byte file")));
    }
    let mut handle = file;
    handle.seek(SeekFrom::Start(start))?;
    let mut chunk_bytes = Counted { inner: BufReader::with_capacity(64 << 10, handle).take(size), read: 0 };
    let mut widest = 0usize;
    while chunk_bytes.read < size {
        let header = {
            let mut protocol = thrift::protocol::TCompactInputProtocol::new(&mut chunk_bytes);
            PageHeader::read_from_in_protocol(&mut protocol)
                .map_err(|e| bad(format!("a page header does not decode: {e}")))?
        };
        let (Ok(declared), Ok(stored)) =
            (usize::try_from(header.uncompressed_page_size), u64::try_from(header.compressed_page_size))
        else {
            return Err(bad("a page header declares a negative size".into()));
        };
        if declared > limits.max_page_bytes {
            return Err(bad(format!(
                "a page decodes to {declared} bytes; pages are limited to {} bytes",
                limits.max_page_bytes
            )));
        }
        widest = widest.max(declared);
        let mut body = (&mut chunk_bytes).take(stored);
        // V2 data pages keep their levels uncompressed ahead of the values, and may be stored uncompressed.
        let (levels, compressed) = match &header.data_page_header_v2 {
            Some(v2) => {
                let levels = i64::from(v2.definition_levels_byte_length) + i64::from(v2.repetition_levels_byte_length);
                (u64::try_from(levels).unwrap_or(0), v2.is_compressed.unwrap_or(true))
            }
            None => (0, true),
        };
        io::copy(&mut (&mut body).take(levels), &mut io::sink())?;
        if compressed {
            let allowed = (declared as u64).saturating_sub(levels);
            check_expansion(chunk.compression(), &mut body, allowed).map_err(&bad)?;
        }
        io::copy(&mut body, &mut io::sink())?;
    }
    Ok(widest)
}

/// Expands a gzip or zstd page body into nothing, refusing it if it yields more than `allowed`
/// bytes; the parquet crate's codecs for these read to the end of the stream whatever the page
/// declares. Snappy and LZ4 decode into a buffer of the declared size, so they need no check.
fn check_expansion(codec: Compression, body: &mut impl Read, allowed: u64) -> Result<(), String> {
    let produced = match codec {
        Compression::GZIP(_) => {
            io::copy(&mut flate2::read::MultiGzDecoder::new(body).take(allowed + 1), &mut io::sink())
        }
        Compression::ZSTD(_) => match zstd::stream::read::Decoder::new(body) {
            // A window above 2^24 bytes is refused rather than allocated.
            Ok(mut decoder) => {
                decoder.window_log_max(24).and_then(|()| io::copy(&mut decoder.take(allowed + 1), &mut io::sink()))
            }
            Err(e) => Err(e),
        },
        _ => return Ok(()),
    };
    match produced {
        Ok(n) if n > allowed => Err(format!("a page expands beyond the {allowed} bytes it declares")),
        Ok(_) => Ok(()),
        Err(e) => Err(format!("a page does not decompress: {e}")),
    }
}

/// A reader that counts the bytes read through it (thrift does not say how long a header was).
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the column chunk ends inside a page"));
        }
        Ok(n)
    }
}
