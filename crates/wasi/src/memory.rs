//! Bounds-checked access to a guest's linear memory.
//!
//! Every pointer and length a guest passes to a host call is untrusted. All
//! reads and writes go through [`GuestMemory`], which checks `ptr + len`
//! against the memory size in 64-bit arithmetic (so `ptr + len` cannot wrap)
//! and answers `EFAULT` instead of touching anything outside the guest.
//! Alignment is not required: values are read byte-wise, little-endian.

use crate::abi::{Errno, WasiResult};

/// A guest's linear memory, borrowed for the duration of one host call.
#[derive(Debug)]
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    /// Wraps the bytes of a linear memory.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }

    fn range(&self, ptr: u32, len: u64) -> WasiResult<std::ops::Range<usize>> {
        let start = u64::from(ptr);
        let end = start.checked_add(len).ok_or(Errno::Fault)?;
        if end > self.bytes.len() as u64 {
            return Err(Errno::Fault);
        }
        Ok(start as usize..end as usize)
    }

    /// The `len` bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let r = self.range(ptr, u64::from(len))?;
        Ok(&self.bytes[r])
    }

    /// The `len` bytes at `ptr`, writable.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let r = self.range(ptr, u64::from(len))?;
        Ok(&mut self.bytes[r])
    }

    /// A UTF-8 string (paths and names); `EILSEQ` if it is not valid UTF-8.
    pub fn str(&self, ptr: u32, len: u32) -> WasiResult<&str> {
        std::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::Ilseq)
    }

    fn array<const N: usize>(&self, ptr: u32) -> WasiResult<[u8; N]> {
        let r = self.range(ptr, N as u64)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[r]);
        Ok(out)
    }

    pub fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(self.array::<1>(ptr)?[0])
    }
    pub fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }
    pub fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }
    pub fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    /// Writes `data` at `ptr`.
    pub fn write(&mut self, ptr: u32, data: &[u8]) -> WasiResult<()> {
        let r = self.range(ptr, data.len() as u64)?;
        self.bytes[r].copy_from_slice(data);
        Ok(())
    }
    pub fn write_u8(&mut self, ptr: u32, v: u8) -> WasiResult<()> {
        self.write(ptr, &[v])
    }
    pub fn write_u16(&mut self, ptr: u32, v: u16) -> WasiResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }
    pub fn write_u32(&mut self, ptr: u32, v: u32) -> WasiResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }
    pub fn write_u64(&mut self, ptr: u32, v: u64) -> WasiResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// Reads an array of `count` iovecs (`{ buf: u32, buf_len: u32 }`) and
    /// checks that every buffer lies inside memory. Buffers may overlap; the
    /// host copies through its own buffers, so overlap is harmless.
    pub fn iovecs(&self, ptr: u32, count: u32) -> WasiResult<Vec<(u32, u32)>> {
        self.range(ptr, u64::from(count) * u64::from(crate::abi::size::IOVEC))?;
        let mut out = Vec::with_capacity(count.min(1024) as usize);
        for i in 0..count {
            let at = ptr + i * crate::abi::size::IOVEC;
            let buf = self.read_u32(at)?;
            let len = self.read_u32(at + 4)?;
            self.range(buf, u64::from(len))?;
            out.push((buf, len));
        }
        Ok(out)
    }

    /// Concatenates the bytes of `iovs` (already checked by [`Self::iovecs`]).
    pub fn gather(&self, iovs: &[(u32, u32)]) -> WasiResult<Vec<u8>> {
        let total: usize = iovs.iter().map(|&(_, l)| l as usize).sum();
        let mut out = Vec::with_capacity(total);
        for &(p, l) in iovs {
            out.extend_from_slice(self.slice(p, l)?);
        }
        Ok(out)
    }

    /// Spreads `data` over `iovs` in order; returns how many bytes were placed.
    pub fn scatter(&mut self, iovs: &[(u32, u32)], mut data: &[u8]) -> WasiResult<usize> {
        let mut placed = 0;
        for &(p, l) in iovs {
            if data.is_empty() {
                break;
            }
            let n = (l as usize).min(data.len());
            self.write(p, &data[..n])?;
            data = &data[n..];
            placed += n;
        }
        Ok(placed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Whatever pointer and length a guest passes, access either stays
        // inside the memory or fails with EFAULT; it never panics.
        #[test]
        fn hostile_ranges_never_escape(size in 0usize..4096, ptr: u32, len: u32) {
            let mut bytes = vec![0u8; size];
            let mut mem = GuestMemory::new(&mut bytes);
            let inside = u64::from(ptr) + u64::from(len) <= size as u64;
            prop_assert_eq!(mem.slice(ptr, len).is_ok(), inside);
            prop_assert_eq!(mem.slice_mut(ptr, len).map(|s| s.len()).ok(), inside.then_some(len as usize));
            prop_assert_eq!(mem.read_u64(ptr).is_ok(), u64::from(ptr) + 8 <= size as u64);
            prop_assert_eq!(mem.write_u32(ptr, 7).is_ok(), u64::from(ptr) + 4 <= size as u64);
        }

        #[test]
        fn hostile_iovec_arrays_are_checked(words in proptest::collection::vec(any::<u32>(), 0..16), count in 0u32..8) {
            let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            bytes.resize(bytes.len() + 64, 0);
            let size = bytes.len() as u64;
            let mem = GuestMemory::new(&mut bytes);
            match mem.iovecs(0, count) {
                Ok(iovs) => for (p, l) in iovs {
                    prop_assert!(u64::from(p) + u64::from(l) <= size);
                },
                Err(e) => prop_assert_eq!(e, Errno::Fault),
            }
        }
    }

    #[test]
    fn scatter_fills_buffers_in_order() {
        let mut bytes = vec![0u8; 16];
        let mut mem = GuestMemory::new(&mut bytes);
        let n = mem.scatter(&[(0, 2), (8, 3)], b"abcdef").unwrap();
        assert_eq!(n, 5);
        assert_eq!(&bytes[0..2], b"ab");
        assert_eq!(&bytes[8..11], b"cde");
    }
}
