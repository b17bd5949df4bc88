//! Build cache, packing: slices of fixed-size pairs ↔ one MessagePack byte string
//! (`#[serde(with = "crate::packed")]`).
//!
//! Why: an article's term frequencies and signature are hundreds of pairs, and decoded
//! pair by pair as MessagePack arrays they were most of the time a build spent reading
//! the cache; as bytes they are copied.

use serde::de::{Error, Visitor};
use serde::{Deserializer, Serializer};

/// A pair of numbers with a fixed little-endian form.
pub(crate) trait Fixed: Sized {
    const SIZE: usize;
    fn put(&self, out: &mut Vec<u8>);
    fn get(bytes: &[u8]) -> Self;
}

/// `Fixed` for a pair of types with `to_le_bytes`, of `A` and `B` bytes.
macro_rules! pair {
    ($a:ty, $b:ty, $na:literal, $nb:literal) => {
        impl Fixed for ($a, $b) {
            const SIZE: usize = $na + $nb;
            fn put(&self, out: &mut Vec<u8>) {
                out.extend(self.0.to_le_bytes());
                out.extend(self.1.to_le_bytes());
            }
            fn get(b: &[u8]) -> Self {
                let (x, y) = b.split_at($na);
                (
                    <$a>::from_le_bytes(x.try_into().unwrap_or_default()),
                    <$b>::from_le_bytes(y.try_into().unwrap_or_default()),
                )
            }
        }
    };
}

pair!(u64, f32, 8, 4);
pair!(u32, f32, 4, 4);
pair!(u64, u32, 8, 4);
pair!(u64, u64, 8, 8);

pub(crate) fn serialize<T: Fixed, P: AsRef<[T]> + ?Sized, S: Serializer>(
    pairs: &P,
    s: S,
) -> Result<S::Ok, S::Error> {
    let pairs = pairs.as_ref();
    let mut bytes = Vec::with_capacity(pairs.len() * T::SIZE);
    for p in pairs {
        p.put(&mut bytes);
    }
    s.serialize_bytes(&bytes)
}

pub(crate) fn deserialize<'de, T: Fixed, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct Bytes<T>(std::marker::PhantomData<T>);
    impl<T: Fixed> Visitor<'_> for Bytes<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "pairs of {} bytes", T::SIZE)
        }
        fn visit_bytes<E: Error>(self, b: &[u8]) -> Result<Vec<T>, E> {
            if b.len() % T::SIZE != 0 {
                return Err(E::invalid_length(b.len(), &self));
            }
            Ok(b.chunks_exact(T::SIZE).map(T::get).collect())
        }
    }
    d.deserialize_bytes(Bytes(std::marker::PhantomData))
}

/// `serialize` for a value that is not a field.
pub(crate) struct Packed<'a, T>(pub(crate) &'a [T]);

impl<T: Fixed> serde::Serialize for Packed<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize(self.0, s)
    }
}

/// `deserialize` for a value that is not a field.
pub(crate) struct Unpacked<T>(pub(crate) Vec<T>);

impl<'de, T: Fixed> serde::Deserialize<'de> for Unpacked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize(d).map(Unpacked)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pairs_read_back_as_written_and_a_cut_string_is_an_error() {
        let pairs = vec![(7u64, 0.5f32), (u64::MAX, -1.25)];
        let bytes = rmp_serde::to_vec(&super::Packed(&pairs)).expect("encode");
        let back: super::Unpacked<(u64, f32)> = rmp_serde::from_slice(&bytes).expect("decode");
        assert_eq!(back.0, pairs);
        let cut = rmp_serde::to_vec(&byte_string(&bytes[2..bytes.len() - 1])).expect("encode");
        assert!(rmp_serde::from_slice::<super::Unpacked<(u64, f32)>>(&cut).is_err());
    }

    /// A byte string holding `b`.
    fn byte_string(b: &[u8]) -> impl serde::Serialize + '_ {
        struct B<'a>(&'a [u8]);
        impl serde::Serialize for B<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        B(b)
    }
}
