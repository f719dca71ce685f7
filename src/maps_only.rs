//! The one shape rule every reader of a document applies: a struct is read from a mapping,
//! never from a sequence.
//!
//! serde's derived `Deserialize` reads a struct from a sequence by position, so
//! `["ingest", "us-west", "ios", "api.segment.io"]` would read as an `ingest` question and
//! `["KEY", null, [{}]]` as a tracking payload whose write key is `KEY`: a program that
//! decides on such a reading sees fields that a downstream parser, which sees a list, does
//! not. [`MapsOnly`] wraps any deserializer (JSON text, YAML text, a JSON value) and, at every
//! depth, refuses a sequence where a struct or a struct variant is expected. An internally
//! tagged enum, which serde reads through a buffer of its own, asks for a mapping first
//! ([`tagged`]). Every document reader of the crate goes through [`deserialize`]; programs
//! built on the crate use [`crate::parse_json`] and [`crate::parse_yaml`].

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor,
};
use std::fmt;
use std::marker::PhantomData;

/// What a struct read from a sequence is told it should have been.
const A_MAPPING: &str = "a mapping";

/// Reads `T` from `deserializer`, refusing a sequence wherever a struct is expected.
pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    T::deserialize(MapsOnly(deserializer))
}

/// Reads an internally tagged enum `T` through its reading twin `R` (see [`tagged_enum`]),
/// from a mapping only: serde reads such an enum from a sequence whose first element is the
/// tag, and through a buffer of its own that no wrapper sees into.
pub(crate) fn tagged<'de, R, T, D>(deserializer: D, expecting: &'static str) -> Result<T, D::Error>
where
    R: de::Deserialize<'de> + Into<T>,
    D: Deserializer<'de>,
{
    deserializer.deserialize_map(TaggedVisitor::<R, T> {
        expecting,
        twin: PhantomData,
    })
}

struct TaggedVisitor<R, T> {
    expecting: &'static str,
    twin: PhantomData<fn() -> (R, T)>,
}

impl<'de, R, T> Visitor<'de> for TaggedVisitor<R, T>
where
    R: de::Deserialize<'de> + Into<T>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        R::deserialize(de::value::MapAccessDeserializer::new(Map(map))).map(Into::into)
    }
}

/// Declares an internally tagged enum that is read from a mapping only: the enum as written
/// (with `Serialize`), a private twin of it that derives `Deserialize` with the same serde
/// attributes (the first, `#[serde(…)]`; the others, docs and derives, are the enum's
/// own), the conversion, and a `Deserialize` that asks for a mapping and reads the
/// twin. One definition, so the two cannot drift.
macro_rules! tagged_enum {
    (
        #[serde($($serde:tt)*)]
        #[expecting = $expecting:expr]
        $(#[$attr:meta])*
        $vis:vis enum $name:ident as $twin:ident {
            $(
                $(#[$vattr:meta])*
                $variant:ident { $( $(#[$fattr:meta])* $field:ident : $ty:ty ),* $(,)? }
            ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        #[derive(serde::Serialize)]
        #[serde($($serde)*)]
        $vis enum $name {
            $( $(#[$vattr])* $variant { $( $(#[$fattr])* $field: $ty ),* } ),*
        }

        #[derive(serde::Deserialize)]
        #[serde($($serde)*)]
        enum $twin {
            $( $(#[$vattr])* $variant { $( $(#[$fattr])* $field: $ty ),* } ),*
        }

        impl From<$twin> for $name {
            fn from(twin: $twin) -> $name {
                match twin {
                    $( $twin::$variant { $($field),* } => $name::$variant { $($field),* } ),*
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::maps_only::tagged::<$twin, $name, D>(deserializer, $expecting)
            }
        }
    };
}
pub(crate) use tagged_enum;

/// A deserializer that refuses a sequence wherever a struct is expected, at any depth.
pub(crate) struct MapsOnly<D>(pub(crate) D);

/// A visitor whose nested values are read through [`MapsOnly`]; a struct's (`STRUCT`)
/// refuses a sequence.
struct Wrap<V, const STRUCT: bool>(V);

/// Any value's visitor.
fn any_value<V>(visitor: V) -> Wrap<V, false> {
    Wrap(visitor)
}

/// A struct's visitor.
fn a_struct<V>(visitor: V) -> Wrap<V, true> {
    Wrap(visitor)
}
struct Seq<S>(S);
struct Map<M>(M);
struct Seed<S>(S);
struct Enum<E>(E);
struct Variant<V>(V);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for MapsOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(any_value(visitor))
    }
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_bool(any_value(visitor))
    }
    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_i8(any_value(visitor))
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_i16(any_value(visitor))
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_i32(any_value(visitor))
    }
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_i64(any_value(visitor))
    }
    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_i128(any_value(visitor))
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_u8(any_value(visitor))
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_u16(any_value(visitor))
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_u32(any_value(visitor))
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_u64(any_value(visitor))
    }
    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_u128(any_value(visitor))
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_f32(any_value(visitor))
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_f64(any_value(visitor))
    }
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_char(any_value(visitor))
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_str(any_value(visitor))
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_string(any_value(visitor))
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_bytes(any_value(visitor))
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_byte_buf(any_value(visitor))
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_option(any_value(visitor))
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit(any_value(visitor))
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_seq(any_value(visitor))
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(any_value(visitor))
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_identifier(any_value(visitor))
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_ignored_any(any_value(visitor))
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, any_value(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, any_value(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, any_value(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, any_value(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, a_struct(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, any_value(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

impl<'de, V: Visitor<'de>, const STRUCT: bool> Visitor<'de> for Wrap<V, STRUCT> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.0.visit_bool(v)
    }
    fn visit_i8<E: de::Error>(self, v: i8) -> Result<V::Value, E> {
        self.0.visit_i8(v)
    }
    fn visit_i16<E: de::Error>(self, v: i16) -> Result<V::Value, E> {
        self.0.visit_i16(v)
    }
    fn visit_i32<E: de::Error>(self, v: i32) -> Result<V::Value, E> {
        self.0.visit_i32(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.0.visit_i64(v)
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<V::Value, E> {
        self.0.visit_i128(v)
    }
    fn visit_u8<E: de::Error>(self, v: u8) -> Result<V::Value, E> {
        self.0.visit_u8(v)
    }
    fn visit_u16<E: de::Error>(self, v: u16) -> Result<V::Value, E> {
        self.0.visit_u16(v)
    }
    fn visit_u32<E: de::Error>(self, v: u32) -> Result<V::Value, E> {
        self.0.visit_u32(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.0.visit_u64(v)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<V::Value, E> {
        self.0.visit_u128(v)
    }
    fn visit_f32<E: de::Error>(self, v: f32) -> Result<V::Value, E> {
        self.0.visit_f32(v)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.0.visit_f64(v)
    }
    fn visit_char<E: de::Error>(self, v: char) -> Result<V::Value, E> {
        self.0.visit_char(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.0.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.0.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.0.visit_string(v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        self.0.visit_bytes(v)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
        self.0.visit_borrowed_bytes(v)
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
        self.0.visit_byte_buf(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(MapsOnly(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(MapsOnly(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if STRUCT {
            return Err(de::Error::invalid_type(Unexpected::Seq, &A_MAPPING));
        }
        self.0.visit_seq(Seq(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Map(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Enum(data))
    }
}

impl<'de, S: SeqAccess<'de>> SeqAccess<'de> for Seq<S> {
    type Error = S::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, S::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, M: MapAccess<'de>> MapAccess<'de> for Map<M> {
    type Error = M::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, M::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, M::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(MapsOnly(deserializer))
    }
}

impl<'de, E: EnumAccess<'de>> EnumAccess<'de> for Enum<E> {
    type Error = E::Error;
    type Variant = Variant<E::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self::Variant), E::Error> {
        self.0
            .variant_seed(Seed(seed))
            .map(|(value, variant)| (value, Variant(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, any_value(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, a_struct(visitor))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        name: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        key: String,
        inner: Option<Inner>,
        list: Vec<Inner>,
        map: BTreeMap<String, Inner>,
        kind: Kind,
        pair: (u8, u8),
        any: serde_json::Value,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Plain,
        Shaped { size: u8 },
        Wrapped(Inner),
    }

    const GOOD: &str = r#"{"key":"k","inner":{"name":"a"},"list":[{"name":"b"}],"map":{"m":{"name":"c"}},
        "kind":{"shaped":{"size":1}},"pair":[1,2],"any":[1,[2]]}"#;

    fn read(text: &str) -> Result<Outer, serde_json::Error> {
        crate::json::from_str(text)
    }

    #[test]
    fn mappings_tuples_and_free_values_read_as_before() {
        let outer = read(GOOD).unwrap();
        assert_eq!(outer, serde_json::from_str::<Outer>(GOOD).unwrap());
        assert_eq!(outer.pair, (1, 2));
        let plain = GOOD.replace(r#"{"shaped":{"size":1}}"#, r#""plain""#);
        assert_eq!(read(&plain).unwrap().kind, Kind::Plain);
        let wrapped = GOOD.replace(r#"{"shaped":{"size":1}}"#, r#"{"wrapped":{"name":"w"}}"#);
        assert!(matches!(read(&wrapped).unwrap().kind, Kind::Wrapped(_)));
    }

    #[test]
    fn a_list_where_a_struct_is_expected_is_refused_at_any_depth() {
        for (from, to) in [
            (r#"{"name":"a"}"#, r#"["a"]"#),
            (r#"[{"name":"b"}]"#, r#"[["b"]]"#),
            (r#"{"m":{"name":"c"}}"#, r#"{"m":["c"]}"#),
            (r#"{"size":1}"#, "[1]"),
        ] {
            let text = GOOD.replace(from, to);
            assert_ne!(text, GOOD);
            // serde_json alone reads it by position; the rule does not.
            assert!(serde_json::from_str::<Outer>(&text).is_ok(), "{text}");
            let err = read(&text).unwrap_err().to_string();
            assert!(
                err.contains("invalid type: sequence, expected a mapping"),
                "{err}"
            );
        }
        let wrapped = GOOD.replace(r#"{"shaped":{"size":1}}"#, r#"{"wrapped":["w"]}"#);
        assert!(serde_json::from_str::<Outer>(&wrapped).is_ok());
        assert!(read(&wrapped).is_err());
        // The whole document as a list.
        let whole = r#"["k", null, [], {}, "plain", [1, 2], null]"#;
        assert!(serde_json::from_str::<Outer>(whole).is_ok());
        assert!(read(whole).is_err());
    }

    #[test]
    fn a_tagged_question_is_read_from_a_mapping_only_whatever_the_reader() {
        use crate::Question;
        let list = r#"["ingest", "us-west", "ios", "api.segment.io"]"#;
        // Through the rule, through serde_json alone and from a JSON value: refused each time.
        assert!(crate::json::from_str::<Question>(list).is_err());
        assert!(serde_json::from_str::<Question>(list).is_err());
        let value: serde_json::Value = serde_json::from_str(list).unwrap();
        assert!(serde_json::from_value::<Question>(value).is_err());
        let err = serde_json::from_str::<Question>("3").unwrap_err().to_string();
        assert!(err.contains("a question: a mapping with `ask`"), "{err}");
        let map = r#"{"ask": "ingest", "workspace": "us-west", "source": "ios", "host": "api.segment.io"}"#;
        assert!(matches!(
            serde_json::from_str::<Question>(map),
            Ok(Question::Ingest { .. })
        ));
    }
}
