//! The first half of preparation, ours: check that a module can be paused,
//! insert poll points and export what a snapshot must read.
//!
//! A poll point is `if (i32.load8_u ctl 0) { call continuum.poll }`. One goes
//! at the top of every loop body and at the entry of every function that
//! calls another (so that deep or unbounded recursion without loops also
//! reaches one). Straight-line code between poll points is bounded, so a
//! pause request is seen after bounded guest work. The check is a load from
//! a memory the host writes from another thread; the call only happens when a
//! pause was asked for, and it is the only place Asyncify unwinds from besides
//! the WASI calls that wait.

use crate::error::PrepareError;
use crate::layout::{CTL_EXPORT, POLL_MODULE, POLL_NAME, global_export, memory_export};
use std::convert::Infallible;
use wasm_encoder::reencode::{Error as ReencodeError, Reencode, utils};
use wasm_encoder::{
    BlockType, CodeSection, ExportKind, ExportSection, Function, ImportSection, Instruction,
    MemArg, MemArgTarget, MemorySection, MemoryType, Module, SectionId, TypeSection,
};
use wasmparser::{Operator, Parser, Payload, TypeRef, ValType, Validator, WasmFeatures};

/// What the checks learnt about a module, needed to rewrite it.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    types: u32,
    imported_funcs: u32,
    /// Memories, imported then defined.
    pub(crate) memories: u32,
    /// Indices of mutable globals (imported and defined).
    pub(crate) mutable_globals: Vec<u32>,
    /// Per defined function: does it call another function?
    calls: Vec<bool>,
    pub(crate) loops: u32,
    has: [bool; 4],
}

/// Sections this pass may have to create when the module has none.
const MAY_ADD: [SectionId; 4] = [
    SectionId::Type,
    SectionId::Import,
    SectionId::Memory,
    SectionId::Export,
];

/// Position of a section in a module (the spec's order, not its id).
fn rank(id: SectionId) -> u32 {
    match id {
        SectionId::Custom => 0,
        SectionId::Type => 10,
        SectionId::Import => 20,
        SectionId::Function => 30,
        SectionId::Table => 40,
        SectionId::Memory => 50,
        SectionId::Tag => 55,
        SectionId::Global => 60,
        SectionId::Export => 70,
        SectionId::Start => 80,
        SectionId::Element => 90,
        SectionId::DataCount => 95,
        SectionId::Code => 100,
        SectionId::Data => 110,
    }
}

/// Features a pausable module may use. Threads, tail calls, exceptions,
/// stack switching and GC are out: Asyncify cannot unwind through them, or
/// their state (other threads, GC objects) lives outside what a snapshot holds.
fn pausable_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::REFERENCE_TYPES
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::SIMD
        | WasmFeatures::FLOATS
        | WasmFeatures::MULTI_MEMORY
        | WasmFeatures::EXTENDED_CONST
        // Needed by wasmparser for `externref` at all; GC itself stays off.
        | WasmFeatures::GC_TYPES
}

fn is_reference(t: ValType) -> bool {
    matches!(t, ValType::Ref(_))
}

/// Checks that `bytes` is a module that can be made pausable and learns what
/// the rewrite needs.
pub(crate) fn analyze(bytes: &[u8]) -> Result<Analysis, PrepareError> {
    Validator::new()
        .validate_all(bytes)
        .map_err(|e| PrepareError::Invalid(e.to_string()))?;
    if let Err(e) = Validator::new_with_features(pausable_features()).validate_all(bytes) {
        return Err(PrepareError::Unsupported(e.message().to_string()));
    }
    let mut an = Analysis::default();
    let mut func_types: Vec<Vec<ValType>> = Vec::new();
    let mut defined_types: Vec<u32> = Vec::new();
    let mut globals = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| PrepareError::Invalid(e.to_string()))? {
            Payload::TypeSection(r) => {
                an.has[0] = true;
                for group in r.into_iter_err_on_gc_types() {
                    let ty = group.map_err(|e| PrepareError::Invalid(e.to_string()))?;
                    func_types.push(ty.params().to_vec());
                    an.types += 1;
                }
            }
            Payload::ImportSection(r) => {
                an.has[1] = true;
                for imp in r.into_imports() {
                    let imp = imp.map_err(|e| PrepareError::Invalid(e.to_string()))?;
                    match imp.ty {
                        TypeRef::Func(_) => an.imported_funcs += 1,
                        TypeRef::Memory(_) => an.memories += 1,
                        TypeRef::Global(g) => {
                            if g.mutable {
                                if is_reference(g.content_type) {
                                    return Err(unsupported("a mutable global of reference type"));
                                }
                                an.mutable_globals.push(globals);
                            }
                            globals += 1;
                        }
                        _ => {}
                    }
                    if imp.module == POLL_MODULE {
                        return Err(PrepareError::Unsupported(format!(
                            "it already imports from `{POLL_MODULE}` (is it prepared already?)"
                        )));
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    defined_types.push(t.map_err(|e| PrepareError::Invalid(e.to_string()))?);
                }
            }
            Payload::MemorySection(r) => {
                an.has[2] = true;
                an.memories += r.count();
            }
            Payload::GlobalSection(r) => {
                for g in r {
                    let g = g.map_err(|e| PrepareError::Invalid(e.to_string()))?;
                    if g.ty.mutable {
                        if is_reference(g.ty.content_type) {
                            return Err(unsupported("a mutable global of reference type"));
                        }
                        an.mutable_globals.push(globals);
                    }
                    globals += 1;
                }
            }
            Payload::ExportSection(_) => an.has[3] = true,
            Payload::CodeSectionEntry(body) => {
                let index = an.calls.len();
                let ty = defined_types
                    .get(index)
                    .and_then(|t| func_types.get(*t as usize));
                if ty.is_some_and(|params| params.iter().any(|p| is_reference(*p))) {
                    return Err(unsupported("a function with a reference-typed parameter"));
                }
                let locals = body
                    .get_locals_reader()
                    .map_err(|e| PrepareError::Invalid(e.to_string()))?;
                for l in locals {
                    let (_, t) = l.map_err(|e| PrepareError::Invalid(e.to_string()))?;
                    if is_reference(t) {
                        return Err(unsupported("a reference-typed local"));
                    }
                }
                let mut calls = false;
                let ops = body
                    .get_operators_reader()
                    .map_err(|e| PrepareError::Invalid(e.to_string()))?;
                for op in ops {
                    match op.map_err(|e| PrepareError::Invalid(e.to_string()))? {
                        Operator::Call { .. } | Operator::CallIndirect { .. } => calls = true,
                        Operator::Loop { .. } => an.loops += 1,
                        Operator::TableSet { .. }
                        | Operator::TableGrow { .. }
                        | Operator::TableFill { .. }
                        | Operator::TableCopy { .. }
                        | Operator::TableInit { .. } => {
                            return Err(unsupported(
                                "instructions that change tables at run time (tables are not part of a snapshot)",
                            ));
                        }
                        _ => {}
                    }
                }
                an.calls.push(calls);
            }
            _ => {}
        }
    }
    Ok(an)
}

impl Analysis {
    /// Defined functions that call others (each gets a poll point at entry).
    pub(crate) fn calling_functions(&self) -> u32 {
        self.calls.iter().filter(|c| **c).count() as u32
    }
}

fn unsupported(what: &str) -> PrepareError {
    PrepareError::Unsupported(format!("it uses {what}"))
}

/// Rewrites the module: poll import, control memory, poll points, exports.
pub(crate) fn instrument(bytes: &[u8], an: &Analysis) -> Result<Vec<u8>, PrepareError> {
    let mut r = Instrumenter {
        an,
        next_body: 0,
        added: [false; 4],
    };
    let mut module = Module::new();
    r.parse_core_module(&mut module, Parser::new(0), bytes)
        .map_err(|e| PrepareError::Rewrite(e.to_string()))?;
    Ok(module.finish())
}

struct Instrumenter<'a> {
    an: &'a Analysis,
    next_body: usize,
    added: [bool; 4],
}

impl Instrumenter<'_> {
    fn poll_type(&self) -> u32 {
        self.an.types
    }
    fn poll_func(&self) -> u32 {
        self.an.imported_funcs
    }
    fn ctl_memory(&self) -> u32 {
        self.an.memories
    }

    fn add_type(&self, types: &mut TypeSection) {
        types.ty().function([], []);
    }
    fn add_import(&self, imports: &mut ImportSection) {
        imports.import(
            POLL_MODULE,
            POLL_NAME,
            wasm_encoder::EntityType::Function(self.poll_type()),
        );
    }
    fn add_memory(&self, memories: &mut MemorySection) {
        memories.memory(MemoryType {
            minimum: 1,
            maximum: Some(1),
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
    }
    fn add_exports(&self, exports: &mut ExportSection) {
        for m in 0..self.an.memories {
            exports.export(&memory_export(m), ExportKind::Memory, m);
        }
        for g in &self.an.mutable_globals {
            exports.export(&global_export(*g), ExportKind::Global, *g);
        }
        exports.export(CTL_EXPORT, ExportKind::Memory, self.ctl_memory());
    }

    fn emit_poll(&self, f: &mut Function) {
        f.instruction(&Instruction::I32Const(0));
        f.instruction(&Instruction::I32Load8U(MemArg {
            offset: 0,
            align: 0,
            target: MemArgTarget::Memory(self.ctl_memory()),
            ordering: None,
        }));
        f.instruction(&Instruction::If(BlockType::Empty));
        f.instruction(&Instruction::Call(self.poll_func()));
        f.instruction(&Instruction::End);
    }
}

type Res<T> = Result<T, ReencodeError<Infallible>>;

impl Reencode for Instrumenter<'_> {
    type Error = Infallible;

    fn function_index(&mut self, func: u32) -> Res<u32> {
        // The poll import goes after the original function imports.
        Ok(if func >= self.an.imported_funcs {
            func + 1
        } else {
            func
        })
    }

    fn parse_type_section(
        &mut self,
        types: &mut TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Res<()> {
        utils::parse_type_section(self, types, section)?;
        self.add_type(types);
        self.added[0] = true;
        Ok(())
    }

    fn parse_import_section(
        &mut self,
        imports: &mut ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Res<()> {
        utils::parse_import_section(self, imports, section)?;
        self.add_import(imports);
        self.added[1] = true;
        Ok(())
    }

    fn parse_memory_section(
        &mut self,
        memories: &mut MemorySection,
        section: wasmparser::MemorySectionReader<'_>,
    ) -> Res<()> {
        utils::parse_memory_section(self, memories, section)?;
        self.add_memory(memories);
        self.added[2] = true;
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Res<()> {
        utils::parse_export_section(self, exports, section)?;
        self.add_exports(exports);
        self.added[3] = true;
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Res<()> {
        let next = before.map_or(u32::MAX, rank);
        for (i, id) in MAY_ADD.iter().enumerate() {
            if self.added[i] || self.an.has[i] || rank(*id) >= next {
                continue;
            }
            self.added[i] = true;
            match id {
                SectionId::Type => {
                    let mut s = TypeSection::new();
                    self.add_type(&mut s);
                    module.section(&s);
                }
                SectionId::Import => {
                    let mut s = ImportSection::new();
                    self.add_import(&mut s);
                    module.section(&s);
                }
                SectionId::Memory => {
                    let mut s = MemorySection::new();
                    self.add_memory(&mut s);
                    module.section(&s);
                }
                _ => {
                    let mut s = ExportSection::new();
                    self.add_exports(&mut s);
                    module.section(&s);
                }
            }
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Res<()> {
        let index = self.next_body;
        self.next_body += 1;
        let mut f = self.new_function_with_parsed_locals(&func)?;
        if self.an.calls.get(index).copied().unwrap_or(true) {
            self.emit_poll(&mut f);
        }
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            let is_loop = matches!(op, Operator::Loop { .. });
            f.instruction(&self.instruction(op)?);
            if is_loop {
                self.emit_poll(&mut f);
            }
        }
        code.function(&f);
        Ok(())
    }
}

/// After Binaryen: export Asyncify's memory (the last one) and mark the
/// module as prepared with `info` (JSON).
pub(crate) fn finish(
    bytes: &[u8],
    original_memories: u32,
    info: &[u8],
) -> Result<Vec<u8>, PrepareError> {
    let mut memories = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| PrepareError::Rewrite(e.to_string()))? {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp.map_err(|e| PrepareError::Rewrite(e.to_string()))?;
                    if matches!(imp.ty, TypeRef::Memory(_)) {
                        memories += 1;
                    }
                }
            }
            Payload::MemorySection(r) => memories += r.count(),
            _ => {}
        }
    }
    // Original memories, the control memory, then Asyncify's.
    if memories != original_memories + 2 {
        return Err(PrepareError::Rewrite(format!(
            "expected {} memories after Asyncify, found {memories}",
            original_memories + 2
        )));
    }
    let mut r = Finisher {
        asyncify_memory: memories - 1,
    };
    let mut module = Module::new();
    r.parse_core_module(&mut module, Parser::new(0), bytes)
        .map_err(|e| PrepareError::Rewrite(e.to_string()))?;
    module.section(&wasm_encoder::CustomSection {
        name: crate::layout::PREPARED_SECTION.into(),
        data: info.into(),
    });
    Ok(module.finish())
}

struct Finisher {
    asyncify_memory: u32,
}

impl Reencode for Finisher {
    type Error = Infallible;

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Res<()> {
        utils::parse_export_section(self, exports, section)?;
        exports.export(
            crate::layout::ASYNCIFY_MEMORY_EXPORT,
            ExportKind::Memory,
            self.asyncify_memory,
        );
        Ok(())
    }
}

/// The [`crate::layout::PREPARED_SECTION`] payload of `bytes`, if any.
pub fn prepared_section(bytes: &[u8]) -> Option<Vec<u8>> {
    for payload in Parser::new(0).parse_all(bytes) {
        if let Ok(Payload::CustomSection(c)) = payload
            && c.name() == crate::layout::PREPARED_SECTION
        {
            return Some(c.data().to_vec());
        }
    }
    None
}
