//! Conversion from Arrow record batches (what the CSV and Parquet readers produce) to the
//! contract's columnar batches.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, GenericStringArray, OffsetSizeTrait, RecordBatch};
use arrow_schema::{DataType, TimeUnit};

use super::{DataError, Field};
use crate::model::{Batch, Column, ColumnData, Dict, Strings, ValueType};

/// The contract type an Arrow type maps to, if any.
pub(crate) fn value_type(data_type: &DataType) -> Option<ValueType> {
    Some(match data_type {
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) => ValueType::F64,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => ValueType::S64,
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => ValueType::S64,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ValueType::String,
        DataType::Boolean => ValueType::Bool,
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => ValueType::Timestamp,
        DataType::Dictionary(_, values) if matches!(**values, DataType::Utf8 | DataType::LargeUtf8) => {
            ValueType::String
        }
        _ => return None,
    })
}

/// The contract schema of an Arrow schema; `origin` names the file in errors.
pub(crate) fn schema(arrow: &arrow_schema::Schema, origin: &str) -> Result<Vec<Field>, DataError> {
    arrow
        .fields()
        .iter()
        .map(|f| {
            let ty = value_type(f.data_type()).ok_or_else(|| {
                DataError::Invalid(format!("{origin}: column `{}` has unsupported type {}", f.name(), f.data_type()))
            })?;
            Ok(Field { name: f.name().clone(), ty, nullable: f.is_nullable() })
        })
        .collect()
}

/// Converts one record batch, copying values out of Arrow's buffers once.
pub(crate) fn batch(rb: &RecordBatch, origin: &str) -> Result<Batch, DataError> {
    let schema = rb.schema();
    let columns = schema
        .fields()
        .iter()
        .zip(rb.columns())
        .map(|(field, array)| {
            let data = column_data(array.as_ref()).ok_or_else(|| {
                DataError::Invalid(format!(
                    "{origin}: column `{}` has unsupported type {}",
                    field.name(),
                    field.data_type()
                ))
            })??;
            let validity = array.logical_nulls().filter(|n| n.null_count() > 0).map(|n| n.iter().collect());
            Ok(Column { name: field.name().clone(), data, validity })
        })
        .collect::<Result<Vec<_>, DataError>>()?;
    Ok(Batch { rows: rb.num_rows() as u32, columns })
}

fn ints<T: ArrowPrimitiveType>(array: &dyn Array) -> Vec<i64>
where
    T::Native: Into<i64>,
{
    array.as_primitive::<T>().values().iter().map(|v| (*v).into()).collect()
}

fn column_data(array: &dyn Array) -> Option<Result<ColumnData, DataError>> {
    let data = match array.data_type() {
        DataType::Float64 => ColumnData::F64(array.as_primitive::<Float64Type>().values().to_vec()),
        DataType::Float32 => {
            ColumnData::F64(array.as_primitive::<Float32Type>().values().iter().map(|v| f64::from(*v)).collect())
        }
        DataType::Float16 => {
            ColumnData::F64(array.as_primitive::<Float16Type>().values().iter().map(|v| v.to_f64()).collect())
        }
        DataType::Decimal128(_, scale) => {
            let div = 10f64.powi(i32::from(*scale));
            ColumnData::F64(array.as_primitive::<Decimal128Type>().values().iter().map(|v| *v as f64 / div).collect())
        }
        DataType::Int64 => ColumnData::S64(array.as_primitive::<Int64Type>().values().to_vec()),
        DataType::Int32 => ColumnData::S64(ints::<Int32Type>(array)),
        DataType::Int16 => ColumnData::S64(ints::<Int16Type>(array)),
        DataType::Int8 => ColumnData::S64(ints::<Int8Type>(array)),
        DataType::UInt32 => ColumnData::S64(ints::<UInt32Type>(array)),
        DataType::UInt16 => ColumnData::S64(ints::<UInt16Type>(array)),
        DataType::UInt8 => ColumnData::S64(ints::<UInt8Type>(array)),
        DataType::UInt64 => {
            let values = array.as_primitive::<UInt64Type>().values();
            match values.iter().map(|v| i64::try_from(*v)).collect::<Result<Vec<_>, _>>() {
                Ok(v) => ColumnData::S64(v),
                Err(_) => return Some(Err(DataError::Invalid("u64 value does not fit in s64".into()))),
            }
        }
        DataType::Utf8 => return Some(packed(array.as_string::<i32>()).map(ColumnData::String)),
        DataType::LargeUtf8 => return Some(packed(array.as_string::<i64>()).map(ColumnData::String)),
        DataType::Utf8View => {
            ColumnData::String(crate::strings::pack(array.as_string_view().iter().map(Option::unwrap_or_default)))
        }
        DataType::Boolean => ColumnData::Bool(array.as_boolean().values().iter().collect()),
        DataType::Dictionary(key, _) => return Some(dictionary(array, key)),
        DataType::Timestamp(unit, _) => {
            let scale = match unit {
                TimeUnit::Second => 1_000_000_000,
                TimeUnit::Millisecond => 1_000_000,
                TimeUnit::Microsecond => 1_000,
                TimeUnit::Nanosecond => 1,
            };
            let raw: &[i64] = match unit {
                TimeUnit::Second => array.as_primitive::<TimestampSecondType>().values(),
                TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().values(),
                TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().values(),
                TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().values(),
            };
            ColumnData::Timestamp(raw.iter().map(|v| v.saturating_mul(scale)).collect())
        }
        DataType::Date32 => ColumnData::Timestamp(
            array.as_primitive::<Date32Type>().values().iter().map(|d| i64::from(*d) * 86_400_000_000_000).collect(),
        ),
        DataType::Date64 => {
            ColumnData::Timestamp(array.as_primitive::<Date64Type>().values().iter().map(|ms| ms * 1_000_000).collect())
        }
        _ => return None,
    };
    Some(Ok(data))
}

/// A dictionary array of strings as a standalone dictionary column: its values packed once,
/// its keys as codes (null rows keep whatever key Arrow holds there, checked like any other).
fn dictionary(array: &dyn Array, key: &DataType) -> Result<ColumnData, DataError> {
    fn codes<K: ArrowDictionaryKeyType>(array: &dyn Array) -> Result<(Vec<u32>, &dyn Array), DataError>
    where
        K::Native: TryInto<u32>,
    {
        let dict = array.as_dictionary::<K>();
        let codes = dict
            .keys()
            .values()
            .iter()
            .map(|k| (*k).try_into().map_err(|_| DataError::Invalid("a dictionary key outside 0..2^32".into())))
            .collect::<Result<_, _>>()?;
        Ok((codes, dict.values().as_ref()))
    }
    let (codes, values) = match key {
        DataType::Int8 => codes::<Int8Type>(array)?,
        DataType::Int16 => codes::<Int16Type>(array)?,
        DataType::Int32 => codes::<Int32Type>(array)?,
        DataType::Int64 => codes::<Int64Type>(array)?,
        DataType::UInt8 => codes::<UInt8Type>(array)?,
        DataType::UInt16 => codes::<UInt16Type>(array)?,
        DataType::UInt32 => codes::<UInt32Type>(array)?,
        DataType::UInt64 => codes::<UInt64Type>(array)?,
        other => return Err(DataError::Invalid(format!("dictionary keys of type {other}"))),
    };
    let values = match values.data_type() {
        DataType::Utf8 => packed(values.as_string::<i32>())?,
        DataType::LargeUtf8 => packed(values.as_string::<i64>())?,
        other => return Err(DataError::Invalid(format!("a dictionary of {other}"))),
    };
    Ok(ColumnData::Dict(Dict { base: 0, values, codes }))
}

/// Arrow's string layout is the contract's: copy the value bytes and rebase the offsets.
fn packed<O: OffsetSizeTrait>(array: &GenericStringArray<O>) -> Result<Strings, DataError> {
    let offsets = array.value_offsets();
    let (first, last) = (offsets[0].as_usize(), offsets[offsets.len() - 1].as_usize());
    if last - first > u32::MAX as usize {
        return Err(DataError::Invalid("a batch's strings exceed 4 GiB".into()));
    }
    Ok(Strings {
        offsets: offsets.iter().map(|o| (o.as_usize() - first) as u32).collect(),
        bytes: array.value_data()[first..last].to_vec(),
    })
}
