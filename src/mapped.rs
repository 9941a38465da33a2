//! Arrays that are either owned or borrowed from a read-only memory map of a file: index files are mapped, not
//! read, so that opening a large index costs little more than checking it.

use std::ops::Deref;
use std::sync::Arc;

/// A flat array of plain values (vectors' floats, graph links, keys): owned while it is built or changed, or
/// borrowed in place from a mapped file.
#[derive(Debug, Clone)]
pub enum MappedOrOwned<T: 'static> {
    /// In memory.
    Owned(Vec<T>),
    /// A range of a read-only memory map, checked for length and alignment when it was made.
    Mapped {
        /// The map, shared by the arrays of one file.
        map: Arc<memmap2::Mmap>,
        /// Byte offset of the first value.
        offset: usize,
        /// Number of values.
        len: usize,
    },
}

impl<T: bytemuck::Pod> MappedOrOwned<T> {
    /// The values as an owned, growable vector (copied out of the map when mapped).
    pub fn to_mut(&mut self) -> &mut Vec<T> {
        if let MappedOrOwned::Mapped { .. } = self {
            *self = MappedOrOwned::Owned(self.deref().to_vec());
        }
        match self {
            MappedOrOwned::Owned(v) => v,
            MappedOrOwned::Mapped { .. } => unreachable!("converted just above"),
        }
    }
}

impl<T: bytemuck::Pod> Deref for MappedOrOwned<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            MappedOrOwned::Owned(v) => v,
            MappedOrOwned::Mapped { map, offset, len } => {
                let bytes = &map[*offset..*offset + len * std::mem::size_of::<T>()];
                // Length and alignment were checked when the range was made (see [`MappedOrOwned::mapped`]).
                bytemuck::cast_slice(bytes)
            }
        }
    }
}

impl<T: bytemuck::Pod> MappedOrOwned<T> {
    /// The `len` values at byte `offset` of `map`, used in place when this machine is little-endian (as the files
    /// are) and the offset is aligned for `T`; otherwise a converted copy. `None` when the range is outside the map.
    pub fn mapped(
        map: &Arc<memmap2::Mmap>,
        offset: usize,
        len: usize,
        from_le: fn(T) -> T,
    ) -> Option<MappedOrOwned<T>> {
        let bytes = map.get(offset..offset.checked_add(len.checked_mul(std::mem::size_of::<T>())?)?)?;
        if cfg!(target_endian = "little") && bytemuck::try_cast_slice::<u8, T>(bytes).is_ok() {
            return Some(MappedOrOwned::Mapped {
                map: map.clone(),
                offset,
                len,
            });
        }
        Some(MappedOrOwned::Owned(
            bytes
                .chunks_exact(std::mem::size_of::<T>())
                .map(|c| from_le(bytemuck::pod_read_unaligned(c)))
                .collect(),
        ))
    }
}

/// Maps a whole file read-only.
///
/// insights never changes a written file in place (it writes a new file and renames it over the old one), so the
/// mapped bytes stay as they are while mapped; another program truncating the file meanwhile would end the process.
pub fn map_file(file: &std::fs::File) -> std::io::Result<Arc<memmap2::Mmap>> {
    // SAFETY: read-only map of a file that this program only ever replaces by rename (see above).
    Ok(Arc::new(unsafe { memmap2::Mmap::map(file) }?))
}
