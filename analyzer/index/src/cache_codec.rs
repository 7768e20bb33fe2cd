//! The binary encoding of [`FileFacts`] for the persistent facts cache: what a cache entry's
//! bytes are, and how hostile bytes are refused. The cache file around the entries (header,
//! checksum, location, atomic writes, pruning) belongs to the server (`server/src/cache.rs`).
//!
//! The IR types derive serde, so every form the IR can hold is encoded, and a field added to
//! the IR is encoded without touching this file (the cache's format version still has to be
//! bumped). The format is postcard (varint integers, length-prefixed strings, no field names);
//! BENCHMARKS.md ("Facts cache encoding") has the measurement it was chosen by.
//!
//! Decoding reads bytes an attacker could have written (a shared cache directory), and postcard
//! bounds neither recursion nor preallocation, so it is wrapped in `Guarded`, a deserializer
//! adapter that
//! - refuses nesting past [`MAX_DECODE_DEPTH`] compound values before it could exhaust the
//!   stack (serde's derived decoders recurse once per level, and so does dropping the result),
//! - caps the capacity that sequence lengths may preallocate, in total, at one element per
//!   input byte (every encoded element takes at least one byte, so honest input never needs
//!   more), so a forged length costs no memory beyond what the elements actually read take.
//!
//! Encoding counts the same levels (`GuardedSerializer`): lowering bounds nesting everywhere
//! but in `elif` chains, and facts too deep to decode are not written at all, rather than
//! overflowing the encoder's stack or leaving an entry every run would miss and rewrite.

use std::cell::Cell;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde::ser::{self, Serialize, Serializer};
use serde::Deserialize;

use crate::facts::FileFacts;

/// How many compound values (structs, sequences, enum variants, options) may be open at once
/// while decoding. Lowering bounds expressions at 48 levels and statements at 24, which takes
/// about 330 compound levels at worst (`lowering_bounds_leave_headroom_under_the_decode_depth`);
/// an `elif` chain nests four per clause, so the bound leaves room for chains of up to about
/// 190 clauses. Deeper facts are never written (see [`encode_facts`]); their file is
/// lowered on every run. An unoptimised build needs about 1.5 KiB of stack per level, so the
/// bound fits in the 2 MiB of a rayon worker even there.
pub const MAX_DECODE_DEPTH: u32 = 768;

/// Encodes one file's facts, or `None` when they must not be cached: the parse ran out of its
/// time budget (an outcome of the machine's load, not of the text), or they nest deeper than
/// [`decode_facts`] accepts.
pub fn encode_facts(facts: &FileFacts) -> Option<Vec<u8>> {
    if facts.parse_timed_out() {
        return None;
    }
    encode_guarded(facts, MAX_DECODE_DEPTH)
}

fn encode_guarded<T: Serialize>(value: &T, max_depth: u32) -> Option<Vec<u8>> {
    let depth_left = Cell::new(max_depth);
    postcard::to_allocvec(&DepthLimited {
        value,
        depth_left: &depth_left,
    })
    .ok()
}

/// Decodes what [`encode_facts`] wrote; `None` for anything else (truncated, corrupt, from
/// another format version, nested too deep, trailing bytes). Never panics.
pub fn decode_facts(bytes: &[u8]) -> Option<FileFacts> {
    decode_guarded(bytes, MAX_DECODE_DEPTH)
}

fn decode_guarded<T: for<'de> Deserialize<'de>>(bytes: &[u8], max_depth: u32) -> Option<T> {
    let limits = Limits {
        depth_left: Cell::new(max_depth),
        prealloc_left: Cell::new(bytes.len()),
    };
    let mut de = postcard::Deserializer::from_bytes(bytes);
    let value = T::deserialize(Guarded {
        inner: &mut de,
        limits: &limits,
    })
    .ok()?;
    de.finalize().ok()?.is_empty().then_some(value)
}

/// What one decode may still spend.
struct Limits {
    /// Compound values that may still be opened inside the ones open now.
    depth_left: Cell<u32>,
    /// Elements that sequence length hints may still preallocate, over the whole decode.
    prealloc_left: Cell<usize>,
}

impl Limits {
    /// Runs `f` one compound level deeper, or fails when the depth is used up.
    fn nested<T, E: de::Error>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let left = self.depth_left.get();
        if left == 0 {
            return Err(E::custom("nesting too deep"));
        }
        self.depth_left.set(left - 1);
        let result = f();
        self.depth_left.set(left);
        result
    }

    /// A sequence's length hint, charged to the preallocation budget.
    fn size_hint(&self, hint: Option<usize>) -> Option<usize> {
        let n = hint?.min(self.prealloc_left.get());
        self.prealloc_left.set(self.prealloc_left.get() - n);
        Some(n)
    }
}

/// A deserializer that hands every value it produces through [`Limits`]. Each wrapper below
/// forwards to the wrapped one and only intervenes where a compound value opens.
struct Guarded<'l, D> {
    inner: D,
    limits: &'l Limits,
}

/// The visitor side of [`Guarded`].
struct GuardedVisitor<'l, V> {
    inner: V,
    limits: &'l Limits,
}

/// A seed whose deserializer is wrapped in [`Guarded`] (elements, keys, values, variants).
struct GuardedSeed<'l, S> {
    inner: S,
    limits: &'l Limits,
}

struct GuardedAccess<'l, A> {
    inner: A,
    limits: &'l Limits,
}

impl<'l, D> Guarded<'l, D> {
    fn visitor<V>(&self, inner: V) -> GuardedVisitor<'l, V> {
        GuardedVisitor {
            inner,
            limits: self.limits,
        }
    }
}

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                let visitor = self.visitor(visitor);
                self.inner.$method($($arg,)* visitor)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Guarded<'_, D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                self.inner.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for GuardedVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        let limits = self.limits;
        limits.nested(|| self.inner.visit_some(Guarded { inner: d, limits }))
    }

    fn visit_newtype_struct<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        let limits = self.limits;
        limits.nested(|| {
            self.inner
                .visit_newtype_struct(Guarded { inner: d, limits })
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        let limits = self.limits;
        limits.nested(|| self.inner.visit_seq(GuardedAccess { inner: seq, limits }))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let limits = self.limits;
        limits.nested(|| self.inner.visit_map(GuardedAccess { inner: map, limits }))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        let limits = self.limits;
        limits.nested(|| {
            self.inner.visit_enum(GuardedAccess {
                inner: data,
                limits,
            })
        })
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for GuardedSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Guarded {
            inner: d,
            limits: self.limits,
        })
    }
}

impl<'l, A> GuardedAccess<'l, A> {
    fn seed<S>(&self, inner: S) -> GuardedSeed<'l, S> {
        GuardedSeed {
            inner,
            limits: self.limits,
        }
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for GuardedAccess<'_, A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        let seed = self.seed(seed);
        self.inner.next_element_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.limits.size_hint(self.inner.size_hint())
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for GuardedAccess<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let seed = self.seed(seed);
        self.inner.next_key_seed(seed)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let seed = self.seed(seed);
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.limits.size_hint(self.inner.size_hint())
    }
}

impl<'l, 'de, A: EnumAccess<'de>> EnumAccess<'de> for GuardedAccess<'l, A> {
    type Error = A::Error;
    type Variant = GuardedAccess<'l, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let limits = self.limits;
        let seed = self.seed(seed);
        let (value, variant) = self.inner.variant_seed(seed)?;
        Ok((
            value,
            GuardedAccess {
                inner: variant,
                limits,
            },
        ))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for GuardedAccess<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        let seed = self.seed(seed);
        self.inner.newtype_variant_seed(seed)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let visitor = GuardedVisitor {
            inner: visitor,
            limits: self.limits,
        };
        self.inner.tuple_variant(len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let visitor = GuardedVisitor {
            inner: visitor,
            limits: self.limits,
        };
        self.inner.struct_variant(fields, visitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding: the same depth bound. Facts come from lowering, which bounds nesting everywhere but
// in `elif` chains; a long chain must cost a cache miss, not a stack overflow in the encoder.

/// A value serialized through [`GuardedSerializer`].
struct DepthLimited<'l, T: ?Sized> {
    value: &'l T,
    depth_left: &'l Cell<u32>,
}

impl<T: Serialize + ?Sized> Serialize for DepthLimited<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(GuardedSerializer {
            inner: serializer,
            depth_left: self.depth_left,
        })
    }
}

/// Counts open compound values the way [`Guarded`] does on the way back (a struct or tuple
/// variant is an enum plus a sequence there, so it counts twice), and fails past the bound.
struct GuardedSerializer<'l, S> {
    inner: S,
    depth_left: &'l Cell<u32>,
}

/// A compound value being serialized; gives its level back at `end`.
struct GuardedCompound<'l, C> {
    inner: C,
    depth_left: &'l Cell<u32>,
    levels: u32,
}

fn open<E: ser::Error>(depth_left: &Cell<u32>, levels: u32) -> Result<(), E> {
    let left = depth_left
        .get()
        .checked_sub(levels)
        .ok_or_else(|| E::custom("nesting too deep"))?;
    depth_left.set(left);
    Ok(())
}

/// Serializes one nested value `levels` deeper.
fn nested<R, E: ser::Error>(
    depth_left: &Cell<u32>,
    levels: u32,
    f: impl FnOnce() -> Result<R, E>,
) -> Result<R, E> {
    open(depth_left, levels)?;
    let result = f();
    depth_left.set(depth_left.get() + levels);
    result
}

/// A compound value `levels` deep, already counted by [`open`].
fn compound<C>(depth_left: &Cell<u32>, levels: u32, inner: C) -> GuardedCompound<'_, C> {
    GuardedCompound {
        inner,
        depth_left,
        levels,
    }
}

macro_rules! forward_serialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
                self.inner.$method($($arg),*)
            }
        )*
    };
}

impl<'l, S: Serializer> Serializer for GuardedSerializer<'l, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = GuardedCompound<'l, S::SerializeSeq>;
    type SerializeTuple = GuardedCompound<'l, S::SerializeTuple>;
    type SerializeTupleStruct = GuardedCompound<'l, S::SerializeTupleStruct>;
    type SerializeTupleVariant = GuardedCompound<'l, S::SerializeTupleVariant>;
    type SerializeMap = GuardedCompound<'l, S::SerializeMap>;
    type SerializeStruct = GuardedCompound<'l, S::SerializeStruct>;
    type SerializeStructVariant = GuardedCompound<'l, S::SerializeStructVariant>;

    forward_serialize! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_f32(v: f32);
        serialize_f64(v: f64);
        serialize_char(v: char);
        serialize_str(v: &str);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        // Decoding opens the enum even for a unit variant.
        let Self { inner, depth_left } = self;
        nested(depth_left, 1, || {
            inner.serialize_unit_variant(name, index, variant)
        })
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        let Self { inner, depth_left } = self;
        let value = DepthLimited { value, depth_left };
        nested(depth_left, 1, || inner.serialize_some(&value))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let Self { inner, depth_left } = self;
        let value = DepthLimited { value, depth_left };
        nested(depth_left, 1, || {
            inner.serialize_newtype_struct(name, &value)
        })
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let Self { inner, depth_left } = self;
        let value = DepthLimited { value, depth_left };
        nested(depth_left, 1, || {
            inner.serialize_newtype_variant(name, index, variant, &value)
        })
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        open(self.depth_left, 1)?;
        Ok(compound(self.depth_left, 1, self.inner.serialize_seq(len)?))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        open(self.depth_left, 1)?;
        Ok(compound(
            self.depth_left,
            1,
            self.inner.serialize_tuple(len)?,
        ))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        open(self.depth_left, 1)?;
        let inner = self.inner.serialize_tuple_struct(name, len)?;
        Ok(compound(self.depth_left, 1, inner))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        open(self.depth_left, 2)?;
        let inner = self
            .inner
            .serialize_tuple_variant(name, index, variant, len)?;
        Ok(compound(self.depth_left, 2, inner))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        open(self.depth_left, 1)?;
        Ok(compound(self.depth_left, 1, self.inner.serialize_map(len)?))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        open(self.depth_left, 1)?;
        let inner = self.inner.serialize_struct(name, len)?;
        Ok(compound(self.depth_left, 1, inner))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        open(self.depth_left, 2)?;
        let inner = self
            .inner
            .serialize_struct_variant(name, index, variant, len)?;
        Ok(compound(self.depth_left, 2, inner))
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

impl<'l, C> GuardedCompound<'l, C> {
    fn wrap<'v, T: ?Sized>(&self, value: &'v T) -> DepthLimited<'v, T>
    where
        'l: 'v,
    {
        DepthLimited {
            value,
            depth_left: self.depth_left,
        }
    }

    fn close(&self) {
        self.depth_left.set(self.depth_left.get() + self.levels);
    }
}

macro_rules! guarded_compound {
    ($trait:ident, $element:ident $(, $key:ident: $key_ty:ty)?) => {
        impl<C: ser::$trait> ser::$trait for GuardedCompound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn $element<T: Serialize + ?Sized>(
                &mut self,
                $($key: $key_ty,)?
                value: &T,
            ) -> Result<(), C::Error> {
                let depth_left = self.depth_left;
                self.inner.$element($($key,)? &DepthLimited { value, depth_left })
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.close();
                self.inner.end()
            }
        }
    };
}

guarded_compound!(SerializeSeq, serialize_element);
guarded_compound!(SerializeTuple, serialize_element);
guarded_compound!(SerializeTupleStruct, serialize_field);
guarded_compound!(SerializeTupleVariant, serialize_field);
guarded_compound!(SerializeStruct, serialize_field, key: &'static str);
guarded_compound!(SerializeStructVariant, serialize_field, key: &'static str);

impl<C: ser::SerializeMap> ser::SerializeMap for GuardedCompound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        let key = self.wrap(key);
        self.inner.serialize_key(&key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        let value = self.wrap(value);
        self.inner.serialize_value(&value)
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.close();
        self.inner.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Expr, ExprKind};
    use toolcheck_syntax::{FileKind, TextRange};

    fn lowered(kind: FileKind, text: &str) -> FileFacts {
        let parse = toolcheck_syntax::parse(text);
        crate::facts::lower_file(parse.tree.as_ref(), text, kind, parse.errors)
    }

    /// The smallest depth bound under which `bytes` still decode.
    fn depth_needed(bytes: &[u8]) -> u32 {
        (0..=MAX_DECODE_DEPTH)
            .find(|&d| decode_guarded::<FileFacts>(bytes, d).is_some())
            .expect("decodes within the bound")
    }

    /// Every expression and statement form, the `Ext` ones included.
    const EVERY_FORM: &str = r#"load("//a:b.bzl", "x", y = "z")
# toolcheck: disable=unresolved-label
X = [1, -2, "s", None, True, {"k": (1, 2)}, a.b[0], f(*a, **k), 1 + 2, "a" if c else "b"]
Y = not (a and b or (c == d) or (e != f) or (g in h) or (i not in j))
FMT = "%s-%d" % (NAME, 3)
OPS = (2 * 3 // 1 - 4 | 5) & ~6 ^ +7 << 1 >> 2
SQ = [x * x for x in range(10) if x > 2 if x <= 8]
DQ = {k: v for k, (v, w) in PAIRS.items() if k >= "a"}
SL = NAME[1:-1:2] + NAME[:3] + NAME[::2]
L = lambda x, y = 1: x + y
E = []

def m(name, deps = [], *args, visibility = None, **kwargs):
    v = [d for d in deps]
    t = {d: 1 for d in deps}
    if name < "m":
        native.filegroup(name = name)
    elif deps:
        pass
    else:
        return None
    for a, b in deps:
        x.y = 1
        x[0] = 2
        x += [b]
        x %= 3
        if a:
            continue
        break
    def inner():
        return 1
    return [name[1:], "%s" % name, lambda: name]

[native.filegroup(name = n) for n in ["a", "b"]]
toolchain(name = "t", toolchain_type = ":tt", exec_compatible_with = X)
def broken(:
"#;

    #[test]
    fn every_form_round_trips() {
        for kind in [
            FileKind::Bzl,
            FileKind::Build,
            FileKind::Module,
            FileKind::Workspace,
        ] {
            let facts = lowered(kind, EVERY_FORM);
            let bytes = encode_facts(&facts).expect("every form is encodable");
            assert_eq!(decode_facts(&bytes).as_ref(), Some(&facts), "{kind:?}");
        }
        // The sample does reach the extended forms (a lowering change that turned them into
        // `Unknown` would make this test vacuous).
        let text = format!("{:?}", lowered(FileKind::Bzl, EVERY_FORM));
        for form in [
            "BinOp",
            "Unary",
            "Compare",
            "Comp",
            "Slice",
            "Lambda",
            "AugAssign",
        ] {
            assert!(
                text.contains(form),
                "{form} missing from the sample's facts"
            );
        }
    }

    #[test]
    fn timed_out_parses_are_not_encoded() {
        let mut facts = lowered(FileKind::Bzl, "x = 1\n");
        assert!(encode_facts(&facts).is_some());
        facts.syntax_errors.push(toolcheck_syntax::SyntaxError {
            range: TextRange::new(0, 0),
            message: "any text".to_string(),
            timed_out: true,
        });
        assert!(encode_facts(&facts).is_none());
    }

    #[test]
    fn truncated_and_corrupt_entries_are_refused_without_panicking() {
        let facts = lowered(FileKind::Bzl, EVERY_FORM);
        let bytes = encode_facts(&facts).expect("encodable");
        for cut in 0..bytes.len() {
            assert!(decode_facts(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_facts(&longer).is_none(), "trailing bytes");
        for i in 0..bytes.len() {
            for v in [0u8, 0x01, 0x7f, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = decode_facts(&b);
            }
        }
    }

    #[test]
    fn forged_lengths_do_not_preallocate() {
        // A sequence claiming 2^63 elements, then nothing: refused at once. Without the
        // preallocation cap each nested claim could reserve up to serde's 1 MiB per sequence.
        let mut forged = vec![0xff; 9];
        forged.push(0x7f);
        assert!(decode_facts(&forged).is_none());
        let limits = Limits {
            depth_left: Cell::new(8),
            prealloc_left: Cell::new(10),
        };
        assert_eq!(limits.size_hint(Some(7)), Some(7));
        assert_eq!(limits.size_hint(Some(7)), Some(3));
        assert_eq!(limits.size_hint(Some(7)), Some(0));
        assert_eq!(limits.size_hint(None), None);
    }

    /// `Not(Not(...(None)))`, `levels` deep, written the way the encoder writes one level
    /// (so only the depth is hostile).
    fn forged_nesting(levels: usize) -> Vec<u8> {
        let range = TextRange::new(0, 0);
        let leaf = Expr {
            kind: ExprKind::None,
            range,
        };
        let one = Expr {
            kind: ExprKind::Not(Box::new(leaf.clone())),
            range,
        };
        let leaf = postcard::to_allocvec(&leaf).expect("encodes");
        let one = postcard::to_allocvec(&one).expect("encodes");
        let tail = postcard::to_allocvec(&range).expect("encodes");
        let head = &one[..one.len() - leaf.len() - tail.len()];
        let mut bytes = head.repeat(levels);
        bytes.extend_from_slice(&leaf);
        bytes.extend_from_slice(&tail.repeat(levels));
        bytes
    }

    #[test]
    fn forged_deep_nesting_is_refused_on_a_small_stack() {
        // The check runs on a 2 MiB stack, what the rayon workers that decode the cache get,
        // in an unoptimised build (an optimised one needs a fraction of it): refusing must
        // happen before the stack runs out, and the deepest legitimate facts must still
        // decode there.
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                let shallow = forged_nesting(40);
                assert!(decode_guarded::<Expr>(&shallow, MAX_DECODE_DEPTH).is_some());
                let deep = forged_nesting(1_000_000);
                assert!(decode_guarded::<Expr>(&deep, MAX_DECODE_DEPTH).is_none());
                let facts = lowered(FileKind::Bzl, &deepest_legitimate_file());
                let bytes = encode_facts(&facts).expect("lowering's bounds are decodable");
                assert_eq!(decode_facts(&bytes), Some(facts));
            })
            .expect("thread")
            .join()
            .expect("no stack overflow");
    }

    /// A file at lowering's bounds: statements nested past `MAX_STMT_DEPTH`, holding
    /// expressions nested past `MAX_EXPR_DEPTH` through every recursive form.
    fn deepest_legitimate_file() -> String {
        let mut text = String::from("def f(x):\n");
        let mut indent = String::from("    ");
        // Statements nest one level per `for` and per `if`; the innermost block is at
        // `MAX_STMT_DEPTH`.
        for _ in 0..crate::body::MAX_STMT_DEPTH / 2 {
            text.push_str(&format!("{indent}for (a, (b, (c, d))) in x:\n"));
            indent.push_str("    ");
            text.push_str(&format!("{indent}if x:\n"));
            indent.push_str("    ");
        }
        // The forms that open the most compound values per expression level.
        let mut expr = String::from("x");
        for i in 0..70 {
            expr = match i % 2 {
                0 => format!("[y for (y, z) in {expr}]"),
                _ => format!("(lambda q = {expr}: q)"),
            };
        }
        text.push_str(&format!("{indent}y = {expr}\n"));
        text.push_str("    z = 0\n");
        text
    }

    /// Nested `def`s share the statement nesting bound with `for` and `if`.
    fn deepest_nested_defs_file() -> String {
        let mut text = String::from("def f(x):\n");
        let mut indent = String::from("    ");
        for i in 0..crate::body::MAX_STMT_DEPTH {
            text.push_str(&format!("{indent}def g{i}(a, b = [c for c in x]):\n"));
            indent.push_str("    ");
        }
        let mut expr = String::from("x");
        for _ in 0..35 {
            expr = format!("(lambda q = [y for (y, z) in {expr}]: q)");
        }
        text.push_str(&format!("{indent}return {expr}\n"));
        text
    }

    #[test]
    fn nested_defs_leave_headroom_under_the_decode_depth() {
        let facts = lowered(FileKind::Bzl, &deepest_nested_defs_file());
        let bytes = postcard::to_allocvec(&facts).expect("encodes");
        let needed = depth_needed(&bytes);
        assert!(needed <= MAX_DECODE_DEPTH / 2 + 20, "needs {needed}");
        assert!(encode_facts(&facts).is_some());
        eprintln!("deepest nested defs need depth {needed}");
    }

    #[test]
    fn lowering_bounds_leave_headroom_under_the_decode_depth() {
        let facts = lowered(FileKind::Bzl, &deepest_legitimate_file());
        let bytes = postcard::to_allocvec(&facts).expect("encodes");
        assert!(!facts.functions[0].body.truncated);
        let needed = depth_needed(&bytes);
        // Room for a few more levels per statement (nested `def`s in bodies) and elif chains.
        assert!(needed <= MAX_DECODE_DEPTH / 2 + 20, "needs {needed}");
        eprintln!("deepest legitimate facts need depth {needed}");
    }

    fn elif_chain(clauses: usize) -> FileFacts {
        let mut text = String::from("def f(x):\n    if x == 0:\n        pass\n");
        for i in 1..clauses {
            text.push_str(&format!("    elif x == {i}:\n        pass\n"));
        }
        lowered(FileKind::Bzl, &text)
    }

    #[test]
    fn facts_nested_past_the_decode_depth_are_not_encoded() {
        // One statement level per `elif` clause: the only IR nesting lowering does not bound.
        // Encoding a very long chain neither overflows the stack nor writes an entry that
        // could never be read back.
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| assert!(encode_facts(&elif_chain(5_000)).is_none()))
            .expect("thread")
            .join()
            .expect("no stack overflow");
    }

    #[test]
    fn the_encoder_refuses_exactly_what_the_decoder_would() {
        // Around the bound, by one level at a time: statements (elif chains) and expressions.
        let range = TextRange::new(0, 0);
        let mut expr = Expr {
            kind: ExprKind::None,
            range,
        };
        let mut outcomes = Vec::new();
        for levels in 0..MAX_DECODE_DEPTH / 2 + 2 {
            let plain = postcard::to_allocvec(&expr).expect("encodes");
            let decodable = decode_guarded::<Expr>(&plain, MAX_DECODE_DEPTH).is_some();
            let encoded = encode_guarded(&expr, MAX_DECODE_DEPTH);
            assert_eq!(encoded.is_some(), decodable, "{levels} levels of `not`");
            assert!(encoded.is_none_or(|e| e == plain));
            outcomes.push(decodable);
            expr = Expr {
                kind: ExprKind::Not(Box::new(expr)),
                range,
            };
        }
        assert!(outcomes.contains(&true) && outcomes.contains(&false));
        let mut outcomes = Vec::new();
        for clauses in (150..250).step_by(1) {
            let facts = elif_chain(clauses);
            let plain = postcard::to_allocvec(&facts).expect("encodes");
            let decodable = decode_facts(&plain).is_some();
            assert_eq!(
                encode_facts(&facts).is_some(),
                decodable,
                "{clauses} clauses"
            );
            outcomes.push(decodable);
        }
        assert!(outcomes.contains(&true) && outcomes.contains(&false));
    }
}
