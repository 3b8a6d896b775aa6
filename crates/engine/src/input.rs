//! Recognising what kind of file a user handed us.

use crate::EngineError;

/// What a module file turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A core Wasm module (`\0asm`, version 1).
    CoreModule,
    /// A Wasm component (`\0asm`, layer 1).
    Component,
    /// A wasmtime precompiled artifact (an ELF file).
    Precompiled,
    /// WebAssembly text.
    Wat,
    /// Starts like Wasm but is shorter than the 8-byte header.
    Truncated,
    /// `\0asm` with an unknown version.
    UnknownVersion,
    /// Anything else.
    NotWasm,
}

const MAGIC: &[u8; 4] = b"\0asm";

/// Looks at the first bytes of `bytes`.
pub fn classify(bytes: &[u8]) -> InputKind {
    if bytes.starts_with(MAGIC)
        || (bytes.len() < 4 && MAGIC.starts_with(bytes) && !bytes.is_empty())
    {
        if bytes.len() < 8 {
            return InputKind::Truncated;
        }
        return match &bytes[4..8] {
            [1, 0, 0, 0] => InputKind::CoreModule,
            [0x0d, 0, 1, 0] => InputKind::Component,
            _ => InputKind::UnknownVersion,
        };
    }
    if bytes.starts_with(b"\x7fELF") {
        return InputKind::Precompiled;
    }
    let text = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &bytes[i..]);
    match text {
        Some(t) if t.starts_with(b"(") || t.starts_with(b";;") || t.starts_with(b"(;") => {
            InputKind::Wat
        }
        _ => InputKind::NotWasm,
    }
}

impl InputKind {
    /// The error for inputs that cannot be loaded.
    pub(crate) fn error(self, bytes: &[u8]) -> EngineError {
        match self {
            InputKind::Truncated => EngineError::Truncated(bytes.len()),
            InputKind::Component => EngineError::Component,
            InputKind::UnknownVersion => EngineError::Invalid(format!(
                "unknown binary version {:02x?} (expected 01 00 00 00)",
                &bytes[4..8]
            )),
            InputKind::NotWasm if bytes.is_empty() => {
                EngineError::NotWasm("the file is empty".into())
            }
            InputKind::NotWasm => {
                let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
                EngineError::NotWasm(format!(
                    "it starts with bytes {} instead of the magic 00 61 73 6d (\"\\0asm\")",
                    head.join(" ")
                ))
            }
            InputKind::CoreModule | InputKind::Wat | InputKind::Precompiled => {
                EngineError::Invalid("internal: loadable input reported as an error".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_kind() {
        assert_eq!(classify(b"\0asm\x01\0\0\0"), InputKind::CoreModule);
        assert_eq!(classify(b"\0asm\x0d\0\x01\0"), InputKind::Component);
        assert_eq!(classify(b"\0asm\x01"), InputKind::Truncated);
        assert_eq!(classify(b"\0as"), InputKind::Truncated);
        assert_eq!(classify(b"\0asm\x02\0\0\0"), InputKind::UnknownVersion);
        assert_eq!(classify(b"\x7fELF\x02\x01"), InputKind::Precompiled);
        assert_eq!(classify(b"  (module)"), InputKind::Wat);
        assert_eq!(classify(b";; comment\n(module)"), InputKind::Wat);
        assert_eq!(classify(b"#!/bin/sh"), InputKind::NotWasm);
        assert_eq!(classify(b""), InputKind::NotWasm);
    }

    #[test]
    fn errors_name_the_cause() {
        assert!(
            classify(b"MZ\x90\0")
                .error(b"MZ\x90\0")
                .to_string()
                .contains("4d 5a 90 00")
        );
        assert!(
            InputKind::Truncated
                .error(b"\0asm")
                .to_string()
                .contains("only 4 bytes")
        );
        assert!(
            InputKind::Component
                .error(b"")
                .to_string()
                .contains("component")
        );
    }
}
