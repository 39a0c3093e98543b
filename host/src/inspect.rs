//! What a component is, read from its bytes before anything compiles it: the names it imports
//! and exports, the contract version it targets, the language it was written in, and its
//! shape — how much of the instance pool one instance of it takes.
//!
//! Compiling a 20–40 MB component takes seconds; reading its sections takes milliseconds. So
//! everything that can refuse a component without running it is decided here, and the shape
//! is what admission charges a run or a load for (see [`crate::capacity`]).

use wasmparser::{
    CanonicalFunction, ComponentAlias, ComponentExternalKind, ComponentInstance, ComponentOuterAliasKind,
    ComponentTypeRef, Instance, KnownCustom, Parser, Payload, Validator, WasmFeatures,
};

use crate::error::LoadError;
use crate::validate::{self, Interfaces};
use crate::wit::Version;

/// What one instance of a component takes from the engine's instance pool.
///
/// Counted the way wasmtime's pooling allocator counts (nested components are inlined into one
/// instance): every core module instantiation, and every memory and table those modules define.
/// A function lifted by one part of the component and lowered into another needs a fused
/// adapter, which wasmtime instantiates as a module of its own; each such lowering is counted
/// as one, an upper bound (wasmtime packs several adapters into a module), so admission never
/// promises less than an instance takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shape {
    /// Core module instances.
    pub core_instances: u32,
    /// Linear memories the component's modules define.
    pub memories: u32,
    /// Tables the component's modules define.
    pub tables: u32,
    /// The largest initial size of one memory, in bytes.
    pub max_initial_memory_bytes: u64,
    /// The largest initial size of one table, in elements.
    pub max_initial_table_elements: u64,
}

impl Shape {
    fn add(&mut self, other: &Shape) {
        self.core_instances = self.core_instances.saturating_add(other.core_instances);
        self.memories = self.memories.saturating_add(other.memories);
        self.tables = self.tables.saturating_add(other.tables);
        self.max_initial_memory_bytes = self.max_initial_memory_bytes.max(other.max_initial_memory_bytes);
        self.max_initial_table_elements = self.max_initial_table_elements.max(other.max_initial_table_elements);
    }
}

/// The language a component was written in, as its `producers` sections tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Rust, built by `cargo` for `wasm32-wasip2` (wit-bindgen).
    Rust,
    /// Python, built by componentize-py (CPython inside the component).
    Python,
    /// JavaScript or TypeScript, built by ComponentizeJS (StarlingMonkey inside the component).
    #[serde(rename = "javascript")]
    JavaScript,
    /// Anything else, or no producers section.
    Unknown,
}

impl Language {
    /// Whether components in this language carry their interpreter and its standard library
    /// (and are therefore tens of megabytes where a compiled plugin is a few hundred kilobytes).
    pub fn embeds_interpreter(self) -> bool {
        matches!(self, Language::Python | Language::JavaScript)
    }

    /// `"rust"`, `"python"`, `"javascript"`, `"unknown"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::JavaScript => "javascript",
            Language::Unknown => "unknown",
        }
    }
}

/// Everything read from a component's bytes without compiling it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// Its top-level import and export names.
    pub interfaces: Interfaces,
    /// The contract version its `kiln:plugin/guest` export names.
    pub(crate) version: Version,
    /// What one instance of it takes from the pool.
    pub shape: Shape,
    /// The language it was written in.
    pub language: Language,
}

impl Inspection {
    /// The plugin contract version the component targets (one of [`crate::SUPPORTED_VERSIONS`]).
    pub fn wit_version(&self) -> &'static str {
        self.version.as_str()
    }
}

/// The index spaces of one component (or core module) being read, as far as sizing needs them.
#[derive(Default)]
struct Frame {
    /// A core module when set: the memories and tables it defines.
    module: Option<Shape>,
    /// What instantiating each core module of this component's index space takes.
    modules: Vec<Shape>,
    /// What instantiating each component of this component's index space takes.
    components: Vec<Shape>,
    /// For each component function: whether it is the guest's own (lifted here or exported by
    /// a nested instance) rather than the host's (imported).
    funcs: Vec<bool>,
    /// For each component instance: whether it is the guest's own rather than imported.
    instances: Vec<bool>,
    /// What one instantiation of this component takes.
    shape: Shape,
}

fn malformed(what: impl std::fmt::Display) -> LoadError {
    LoadError::Invalid(what.to_string())
}

/// Reads `bytes` without compiling them: checks their structure with wasmparser (function
/// bodies are left to the compiler), the imports against the allow-list and the export against
/// the supported contract versions, and sizes the component.
pub fn inspect(bytes: &[u8]) -> Result<Inspection, LoadError> {
    read(bytes)?.checked()
}

/// What one instance of the component in `bytes` takes from the pool, whatever it imports and
/// exports.
pub fn shape(bytes: &[u8]) -> Result<Shape, LoadError> {
    read(bytes).map(|read| read.shape)
}

/// A component's names, shape and language, unchecked.
pub(crate) struct Read {
    interfaces: Interfaces,
    pub(crate) shape: Shape,
    language: Language,
}

impl Read {
    /// The inspection, once the imports pass the allow-list and the export names a supported
    /// contract version.
    pub(crate) fn checked(self) -> Result<Inspection, LoadError> {
        let version = validate::check_names(&self.interfaces.imports, &self.interfaces.exports)?;
        Ok(Inspection { interfaces: self.interfaces, version, shape: self.shape, language: self.language })
    }
}

/// Reads `bytes` (see [`inspect`]) without checking names.
pub(crate) fn read(bytes: &[u8]) -> Result<Read, LoadError> {
    validate::check_is_component(bytes)?;
    let mut validator = Validator::new_with_features(WasmFeatures::default());
    let mut stack: Vec<Frame> = Vec::new();
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut producers = Producers::default();
    let mut shape = None;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| malformed(e.message()))?;
        validator.payload(&payload).map_err(|e| malformed(e.message()))?;
        let top = stack.len() == 1;
        match payload {
            Payload::Version { encoding: wasmparser::Encoding::Component, .. } => stack.push(Frame::default()),
            Payload::Version { .. } => stack.push(Frame { module: Some(Shape::default()), ..Frame::default() }),
            Payload::MemorySection(reader) => {
                let module = current_module(&mut stack)?;
                for memory in reader {
                    let memory = memory.map_err(|e| malformed(e.message()))?;
                    let page = memory.page_size_log2.map_or(1u64 << 16, |log2| 1u64 << log2);
                    module.memories += 1;
                    module.max_initial_memory_bytes =
                        module.max_initial_memory_bytes.max(memory.initial.saturating_mul(page));
                }
            }
            Payload::TableSection(reader) => {
                let module = current_module(&mut stack)?;
                for table in reader {
                    let table = table.map_err(|e| malformed(e.message()))?;
                    module.tables += 1;
                    module.max_initial_table_elements = module.max_initial_table_elements.max(table.ty.initial);
                }
            }
            Payload::End(_) => {
                let frame = stack.pop().ok_or_else(|| malformed("unbalanced sections"))?;
                let Some(parent) = stack.last_mut() else {
                    shape = Some(frame.shape);
                    break;
                };
                match frame.module {
                    Some(mut module) => {
                        module.core_instances = 1;
                        parent.modules.push(module);
                    }
                    None => parent.components.push(frame.shape),
                }
            }
            Payload::ImportSection(reader) => {
                // componentize-py links CPython as a shared library and names no language in
                // its producers sections; its modules' imports name the library.
                for import in reader {
                    let import = import.map_err(|e| malformed(e.message()))?;
                    producers.python |= [import.module, import.name].iter().any(|n| n.starts_with("libpython3"));
                }
            }
            Payload::CustomSection(section) => {
                if let KnownCustom::Producers(reader) = section.as_known() {
                    producers.read(reader);
                }
            }
            Payload::ComponentImportSection(reader) => {
                let frame = current_component(&mut stack)?;
                for import in reader {
                    let import = import.map_err(|e| malformed(e.message()))?;
                    if top {
                        imports.push(import.name.0.to_string());
                    }
                    match import.ty {
                        ComponentTypeRef::Func(_) => frame.funcs.push(false),
                        ComponentTypeRef::Instance(_) => frame.instances.push(false),
                        // A plugin may import interfaces only; the allow-list refuses the rest
                        // by name, and these keep the index spaces right until it does.
                        ComponentTypeRef::Module(_) => frame.modules.push(Shape::default()),
                        ComponentTypeRef::Component(_) => frame.components.push(Shape::default()),
                        ComponentTypeRef::Value(_) | ComponentTypeRef::Type(_) => {}
                    }
                }
            }
            Payload::ComponentExportSection(reader) => {
                let frame = current_component(&mut stack)?;
                for export in reader {
                    let export = export.map_err(|e| malformed(e.message()))?;
                    if top {
                        exports.push(export.name.0.to_string());
                    }
                    // An export adds a new index for the item it exports.
                    frame.reindex(export.kind, export.index)?;
                }
            }
            Payload::InstanceSection(reader) => {
                let frame = current_component(&mut stack)?;
                for instance in reader {
                    if let Instance::Instantiate { module_index, .. } = instance.map_err(|e| malformed(e.message()))? {
                        let module =
                            *frame.modules.get(module_index as usize).ok_or_else(|| malformed("module index"))?;
                        frame.shape.add(&module);
                    }
                }
            }
            Payload::ComponentInstanceSection(reader) => {
                let frame = current_component(&mut stack)?;
                for instance in reader {
                    if let ComponentInstance::Instantiate { component_index, .. } =
                        instance.map_err(|e| malformed(e.message()))?
                    {
                        let nested = *frame
                            .components
                            .get(component_index as usize)
                            .ok_or_else(|| malformed("component index"))?;
                        frame.shape.add(&nested);
                    }
                    frame.instances.push(true);
                }
            }
            Payload::ComponentAliasSection(reader) => {
                for alias in reader {
                    match alias.map_err(|e| malformed(e.message()))? {
                        ComponentAlias::InstanceExport { kind, instance_index, .. } => {
                            let frame = current_component(&mut stack)?;
                            let own = *frame
                                .instances
                                .get(instance_index as usize)
                                .ok_or_else(|| malformed("instance index"))?;
                            frame.push_aliased(kind, own)?;
                        }
                        ComponentAlias::Outer { kind, count, index } => outer_alias(&mut stack, kind, count, index)?,
                        ComponentAlias::CoreInstanceExport { .. } => {}
                    }
                }
            }
            Payload::ComponentCanonicalSection(reader) => {
                let frame = current_component(&mut stack)?;
                for function in reader {
                    match function.map_err(|e| malformed(e.message()))? {
                        CanonicalFunction::Lift { .. } => frame.funcs.push(true),
                        CanonicalFunction::Lower { func_index, .. } => {
                            let own = *frame.funcs.get(func_index as usize).ok_or_else(|| malformed("func index"))?;
                            if own {
                                // A guest function lowered into the guest: a fused adapter.
                                frame.shape.core_instances = frame.shape.core_instances.saturating_add(1);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let shape = shape.ok_or_else(|| malformed("the component ends early"))?;
    Ok(Read { interfaces: Interfaces { imports, exports }, shape, language: producers.language() })
}

fn current_component(stack: &mut [Frame]) -> Result<&mut Frame, LoadError> {
    match stack.last_mut() {
        Some(frame) if frame.module.is_none() => Ok(frame),
        _ => Err(malformed("a component section outside a component")),
    }
}

fn current_module(stack: &mut [Frame]) -> Result<&mut Shape, LoadError> {
    stack
        .last_mut()
        .and_then(|frame| frame.module.as_mut())
        .ok_or_else(|| malformed("a module section outside a module"))
}

/// An alias of a module or component of an enclosing component: the same shape, indexed here.
fn outer_alias(stack: &mut [Frame], kind: ComponentOuterAliasKind, count: u32, index: u32) -> Result<(), LoadError> {
    let depth = stack.len().checked_sub(1 + count as usize).ok_or_else(|| malformed("outer alias depth"))?;
    let outer = &stack[depth];
    let shape = match kind {
        ComponentOuterAliasKind::CoreModule => outer.modules.get(index as usize),
        ComponentOuterAliasKind::Component => outer.components.get(index as usize),
        ComponentOuterAliasKind::CoreType | ComponentOuterAliasKind::Type => return Ok(()),
    };
    let shape = *shape.ok_or_else(|| malformed("outer alias index"))?;
    let frame = current_component(stack)?;
    match kind {
        ComponentOuterAliasKind::CoreModule => frame.modules.push(shape),
        _ => frame.components.push(shape),
    }
    Ok(())
}

impl Frame {
    /// An item taken from an instance's exports: the guest's own when the instance is.
    fn push_aliased(&mut self, kind: ComponentExternalKind, own: bool) -> Result<(), LoadError> {
        match kind {
            ComponentExternalKind::Func => self.funcs.push(own),
            ComponentExternalKind::Instance => self.instances.push(own),
            // A module or component handed out by an instance has a shape this pass cannot
            // see; toolchains for plugins never do this.
            ComponentExternalKind::Module | ComponentExternalKind::Component => {
                return Err(LoadError::ExceedsLimits(
                    "it takes a module or component from an instance's exports, whose size cannot be known before \
                     running it"
                        .into(),
                ));
            }
            ComponentExternalKind::Value | ComponentExternalKind::Type => {}
        }
        Ok(())
    }

    /// An export of item `index` of `kind`, which takes a new index in that space.
    fn reindex(&mut self, kind: ComponentExternalKind, index: u32) -> Result<(), LoadError> {
        let missing = || malformed("export index");
        match kind {
            ComponentExternalKind::Func => self.funcs.push(*self.funcs.get(index as usize).ok_or_else(missing)?),
            ComponentExternalKind::Instance => {
                self.instances.push(*self.instances.get(index as usize).ok_or_else(missing)?)
            }
            ComponentExternalKind::Module => self.modules.push(*self.modules.get(index as usize).ok_or_else(missing)?),
            ComponentExternalKind::Component => {
                self.components.push(*self.components.get(index as usize).ok_or_else(missing)?)
            }
            ComponentExternalKind::Value | ComponentExternalKind::Type => {}
        }
        Ok(())
    }
}

/// What the `producers` sections of a component and its modules name, and what linking shows.
#[derive(Default)]
struct Producers {
    languages: Vec<String>,
    tools: Vec<String>,
    /// A core module imports from CPython's shared library.
    python: bool,
}

impl Producers {
    fn read(&mut self, reader: wasmparser::ProducersSectionReader<'_>) {
        // A malformed producers section only loses the language: it is informative.
        for field in reader.into_iter().flatten() {
            let into = match field.name {
                "language" => &mut self.languages,
                "processed-by" => &mut self.tools,
                _ => continue,
            };
            into.extend(field.values.into_iter().flatten().map(|v| v.name.to_ascii_lowercase()));
        }
    }

    /// The toolchain that embeds an interpreter decides the language; otherwise the compiler's.
    fn language(&self) -> Language {
        let tool = |name: &str| self.tools.iter().any(|t| t == name);
        let language = |name: &str| self.languages.iter().any(|l| l == name);
        if self.python || tool("componentize-py") {
            Language::Python
        } else if tool("componentizejs") || tool("componentize-js") || language("javascript") {
            Language::JavaScript
        } else if language("rust") {
            Language::Rust
        } else {
            Language::Unknown
        }
    }
}
