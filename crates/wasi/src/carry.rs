//! Carrying files with a snapshot: the files a guest changed below its
//! writable preopens, read out through the sandbox, and written back below
//! the preopens of the machine it resumes on.

use crate::ctx::WasiCtx;
use cap_std::fs::Dir;
use std::io;
use std::time::SystemTime;

/// A file to carry: where it lives as the guest sees it, and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarriedFile {
    /// Guest name of the preopen it is below.
    pub preopen: String,
    /// Path relative to that preopen, `/`-separated.
    pub path: String,
    pub contents: Vec<u8>,
}

impl WasiCtx {
    /// Regular files below the writable preopens last modified at or after
    /// `since`. Symbolic links are not followed, so nothing outside the
    /// preopens is read.
    pub fn changed_files(&self, since: SystemTime) -> io::Result<Vec<CarriedFile>> {
        let mut out = Vec::new();
        for (p, dir) in self.state.preopens.iter().zip(&self.preopen_dirs) {
            if !p.read_only {
                walk(dir, "", since, &p.guest_name, &mut out)?;
            }
        }
        Ok(out)
    }

    /// Writes a carried file back below its preopen (creating directories),
    /// through the sandbox like any guest write.
    pub fn put_file(&self, file: &CarriedFile) -> io::Result<()> {
        let index = self
            .state
            .preopens
            .iter()
            .position(|p| p.guest_name == file.preopen)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "no preopen `{}` for carried file `{}`",
                        file.preopen, file.path
                    ),
                )
            })?;
        let dir = &self.preopen_dirs[index];
        if let Some((parent, _)) = file.path.rsplit_once('/') {
            dir.create_dir_all(parent)?;
        }
        dir.write(&file.path, &file.contents)
    }
}

fn walk(
    dir: &Dir,
    prefix: &str,
    since: SystemTime,
    preopen: &str,
    out: &mut Vec<CarriedFile>,
) -> io::Result<()> {
    for entry in dir.entries()? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let ty = entry.file_type()?;
        if ty.is_dir() {
            walk(&entry.open_dir()?, &path, since, preopen, out)?;
        } else if ty.is_file() {
            let meta = entry.metadata()?;
            if meta.modified()?.into_std() >= since {
                out.push(CarriedFile {
                    preopen: preopen.to_string(),
                    path,
                    contents: dir.read(&name)?,
                });
            }
        }
    }
    Ok(())
}
