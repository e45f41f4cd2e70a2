//! The layout rules of ARCHITECTURE.md, checked on the source itself: no file-level import cycle in
//! `src/`, and imports only go down the layers top (`cli`, router, app) → domains' handlers (`api`,
//! `pages`) → web kit `http/` → domains' model/store/service → core (the other files directly in
//! `src/`). A failure names each offending import, and for a cycle the imports inside it, to cut one.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::Path;

// The layout. Paths are relative to `src/`.

/// The domain folders. Any other folder directly under `src/` that is neither the web kit nor a top
/// folder is a domain too, so a new domain is covered before it is listed here.
const DOMAIN_FOLDERS: &[&str] = &["accounts", "records", "ledger", "audit", "health"];
/// The top layer's files directly in `src/`.
const TOP_FILES: &[&str] = &["lib.rs", "main.rs", "app.rs", "router.rs", "openapi.rs"];
/// Folders wholly in the top layer (with their module files, `cli.rs` for `cli/`).
const TOP_FOLDERS: &[&str] = &["cli"];
/// The web kit's folder (with its module file `http.rs` if it ever has one).
const WEB_KIT_FOLDER: &str = "http";
/// A domain file handles requests when its stem, or a folder it lives in, has one of these names.
const HANDLER_NAMES: &[&str] = &["api", "pages"];

#[test]
fn the_source_tree_has_no_import_cycle_and_keeps_its_layers() {
    let files = read_tree(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")));
    assert!(files.contains_key("lib.rs"), "src/lib.rs not found: the layout check reads the wrong folder");
    let graph = Graph::of(&files);
    assert!(graph.edge_count() > 0, "not one import found in src/: the layout check's parser is broken");
    let mut problems: Vec<String> = cycles(&graph).iter().map(|cycle| describe_cycle(&graph, cycle)).collect();
    problems.extend(layer_breaks(&graph).iter().map(LayerBreak::to_string));
    assert!(problems.is_empty(), "src/ breaks the layout of ARCHITECTURE.md:\n\n{}\n", problems.join("\n"));
}

#[test]
fn the_layout_check_finds_cycles_and_layer_breaks() {
    let files: BTreeMap<String, String> = FAKE_TREE.iter().map(|(path, source)| ((*path).to_owned(), (*source).to_owned())).collect();
    let graph = Graph::of(&files);
    let targets = |file: &str| targets_of(&graph, file);

    // `mod` declarations are no imports; `pub use child::…` in a crate root or mod.rs is one.
    assert_eq!(targets("lib.rs"), BTreeSet::from(["ids.rs"]));
    assert_eq!(targets("http/mod.rs"), BTreeSet::from(["http/problem.rs"]));
    // Nested groups resolve; comments, strings, raw strings and character literals import nothing.
    assert_eq!(targets("ids.rs"), BTreeSet::from(["a.rs", "http/pages.rs", "http/problem.rs"]));
    // Names bound to modules (`self as web`, a plain module import, `use …::api;`) reach deeper files.
    let app = BTreeSet::from(["http/mod.rs", "http/routes.rs", "records/api.rs", "records/mod.rs", "records/store.rs"]);
    assert_eq!(targets("app.rs"), app);
    // `super::store as db` then `db::get()`; `pub(super)` and `pub(in crate::records)` are no imports.
    assert_eq!(targets("records/service.rs"), BTreeSet::from(["records/store.rs"]));
    // Test-only items are skipped, production code after them is not.
    assert_eq!(targets("records/store.rs"), BTreeSet::from(["http/pages.rs"]));
    // `crate::csrf_protected!` is the `#[macro_export]`ed macro of http/pages.rs, not the crate root.
    assert_eq!(targets("records/pages.rs"), BTreeSet::from(["app.rs", "http/pages.rs"]));
    assert_eq!(targets("accounts/pages/login.rs"), BTreeSet::from(["accounts/model.rs", "http/pages.rs"]));
    // A test module kept in a file of its own (`#[cfg(test)] mod tests;`) is no part of the layout.
    assert!(!graph.edges.contains_key("records/tests.rs") && !graph.layers.contains_key("records/tests.rs"));

    let found = cycles(&graph);
    assert_eq!(found, vec![vec!["a.rs", "b.rs"]]);
    let message = describe_cycle(&graph, &found[0]);
    assert!(message.contains("src/a.rs -> src/b.rs -> src/a.rs"), "{message}");
    assert!(message.contains("src/a.rs -> src/b.rs  [crate::b::X]"), "{message}");
    assert!(message.contains("src/b.rs -> src/a.rs  [crate::a::Y]"), "{message}");

    let breaks = layer_breaks(&graph);
    let found: BTreeSet<(&str, &str, u8)> = breaks.iter().map(|b| (b.from.as_str(), b.to.as_str(), b.rule)).collect();
    let expected = BTreeSet::from([
        ("clock.rs", "lib.rs", 1),
        ("ids.rs", "http/pages.rs", 1),
        ("ids.rs", "http/problem.rs", 1),
        ("http/routes.rs", "records/api.rs", 2),
        ("records/store.rs", "http/pages.rs", 3),
        ("billing/invoice.rs", "http/problem.rs", 3),
        ("records/pages.rs", "app.rs", 4),
    ]);
    assert_eq!(found, expected);
    let shown = breaks.iter().find(|b| b.from == "clock.rs").map(LayerBreak::to_string).unwrap_or_default();
    assert_eq!(shown, "src/clock.rs -> src/lib.rs (rule 1: core imports only core)  [crate::Error]");

    let domains = domain_folders(&files);
    assert!(domains.contains("billing") && domains.contains("audit") && !domains.contains("http"), "{domains:?}");
    for (file, layer) in [
        ("cli.rs", Layer::Top),
        ("cli/run.rs", Layer::Top),
        ("router.rs", Layer::Top),
        ("http/extract.rs", Layer::WebKit),
        ("accounts/api.rs", Layer::Handler),
        ("accounts/admin/pages.rs", Layer::Handler),
        ("audit/api/mod.rs", Layer::Handler),
        ("accounts/admin/service.rs", Layer::Model),
        ("records/mod.rs", Layer::Model),
        ("billing.rs", Layer::Model),
        ("config.rs", Layer::Core),
    ] {
        assert_eq!(layer_of(file, &domains), layer, "{file}");
    }
}

/// The files `file` imports, in `graph`.
fn targets_of<'g>(graph: &'g Graph, file: &str) -> BTreeSet<&'g str> {
    graph.edges.get(file).map(|targets| targets.keys().map(String::as_str).collect()).unwrap_or_default()
}

/// A small crate with one cycle (a.rs ⇄ b.rs) and one break of each layering rule.
const FAKE_TREE: &[(&str, &str)] = &[
    (
        "lib.rs",
        "//! The crate root: `mod` declarations are no imports.\n\
         pub mod a;\npub mod accounts;\npub mod app;\npub mod b;\npub mod billing;\npub mod clock;\n\
         pub mod http;\npub mod ids;\npub mod records;\n\
         pub use ids::Id;\n",
    ),
    ("a.rs", "use crate::b::X;\npub struct Y;\npub fn f(_: X) {}\n"),
    ("b.rs", "pub struct X;\npub fn g() -> crate::a::Y {\n    crate::a::Y\n}\n"),
    (
        "app.rs",
        "use crate::records::api;\nuse crate::{http::{self as web}, records};\npub struct State;\n\
         pub fn run() {\n    api::get();\n    web::routes::table();\n    records::store::get();\n}\n",
    ),
    ("clock.rs", "pub fn now() -> Result<(), crate::Error> {\n    Ok(())\n}\n"),
    (
        "ids.rs",
        r##"// use crate::app::Commented;
/* crate::app::Blocked /* nested */ crate::app::StillBlocked */
/// Doc: crate::app::Documented
use crate::{http::{pages, problem::{self, Problem}}};
pub struct Id;
const RAW: &str = r#"crate::app::Raw "quoted" crate::app::Raw2"#;
const PLAIN: &str = "crate::app::Plain \" crate::app::Escaped";
pub fn quote<'a>(text: &'a str) -> &'a str {
    let _ = ('"', '\'', b'"', RAW, PLAIN);
    pages::render();
    let _ = crate::a::Y;
    text
}
"##,
    ),
    ("http/mod.rs", "pub mod pages;\npub mod problem;\npub mod routes;\npub use problem::Problem;\n"),
    (
        "http/pages.rs",
        "#[macro_export]\nmacro_rules! csrf_protected {\n    ($form:ty) => {\n        impl $crate::http::pages::Csrf for $form {}\n    };\n}\n\
         pub trait Csrf {}\npub fn render() {}\n",
    ),
    ("http/problem.rs", "pub struct Problem;\n"),
    ("http/routes.rs", "use crate::records::{api, service};\npub fn table() {\n    api::get();\n    service::get();\n}\n"),
    ("records/mod.rs", "pub mod api;\npub mod pages;\npub mod service;\npub mod store;\n#[cfg(test)]\nmod tests;\n"),
    ("records/tests.rs", "use crate::app::State;\n"),
    (
        "records/api.rs",
        "use crate::http::problem::Problem;\nuse super::service;\npub fn get() -> Option<Problem> {\n    service::get();\n    None\n}\n",
    ),
    ("records/pages.rs", "use crate::app::State;\ncrate::csrf_protected!(Form);\npub struct Form;\npub fn show(_: State) {}\n"),
    ("records/service.rs", "use super::store as db;\npub(crate) fn get() {\n    db::get();\n}\npub(in crate::records) fn inner() {}\n"),
    (
        "records/store.rs",
        "pub(super) fn get() {}\n\n#[cfg(test)]\nmod tests {\n    use crate::app::State;\n    use crate::http::pages;\n}\n\n\
         #[cfg(all(test, unix))]\nfn only_in_tests() {\n    crate::app::run();\n}\n\n\
         #[cfg(any(test, unix))]\npub fn later() {\n    crate::http::pages::render();\n}\n",
    ),
    ("billing/mod.rs", "pub mod invoice;\n"),
    ("billing/invoice.rs", "use crate::http::problem::Problem;\npub fn bill() -> Option<Problem> {\n    None\n}\n"),
    ("accounts/mod.rs", "pub mod model;\npub mod pages;\n"),
    ("accounts/model.rs", "pub struct User;\n"),
    ("accounts/pages/mod.rs", "pub mod login;\n"),
    (
        "accounts/pages/login.rs",
        "use super::super::model::User;\nuse crate::http::pages;\npub fn login(_: User) {\n    pages::render();\n}\n",
    ),
];

// Reading the tree.

/// Every `.rs` file under `root`, by its path relative to `root` with `/` separators. `bin/` is
/// left out: its files are crates of their own.
fn read_tree(root: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut folders = vec![(root.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = folders.pop() {
        let entries = std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("reading {}: {e}", folder.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("reading {}: {e}", folder.display()));
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let relative = format!("{prefix}{name}");
            if path.is_dir() {
                if !(prefix.is_empty() && name == "bin") {
                    folders.push((path, format!("{relative}/")));
                }
            } else if name.ends_with(".rs") {
                let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                files.insert(relative, source);
            }
        }
    }
    files
}

// Layers.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    /// lib.rs, main.rs, app.rs, router.rs, openapi.rs, cli/.
    Top,
    /// A domain's `api` or `pages` file (or a file in such a folder).
    Handler,
    /// http/.
    WebKit,
    /// Any other domain file: model, store, service…
    Model,
    /// Any other file directly in `src/`.
    Core,
}

/// The listed domain folders and every other folder directly under `src/` but the web kit's and
/// the top ones.
fn domain_folders(files: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut domains: BTreeSet<String> = DOMAIN_FOLDERS.iter().map(|folder| (*folder).to_owned()).collect();
    for folder in files.keys().filter_map(|file| file.split_once('/')).map(|(folder, _)| folder) {
        if folder != WEB_KIT_FOLDER && !TOP_FOLDERS.contains(&folder) {
            domains.insert(folder.to_owned());
        }
    }
    domains
}

fn layer_of(file: &str, domains: &BTreeSet<String>) -> Layer {
    let parts: Vec<&str> = file.split('/').collect();
    let (name, folders) = parts.split_last().map_or((file, &[][..]), |(name, folders)| (*name, folders));
    let stem = name.strip_suffix(".rs").unwrap_or(name);
    // The top-level module the file belongs to: `cli` for both cli.rs and cli/run.rs.
    let root = folders.first().copied().unwrap_or(stem);
    if (folders.is_empty() && TOP_FILES.contains(&name)) || TOP_FOLDERS.contains(&root) {
        Layer::Top
    } else if root == WEB_KIT_FOLDER {
        Layer::WebKit
    } else if domains.contains(root) {
        let in_handler_folder = folders.iter().skip(1).any(|folder| HANDLER_NAMES.contains(folder));
        if HANDLER_NAMES.contains(&stem) || in_handler_folder { Layer::Handler } else { Layer::Model }
    } else {
        Layer::Core
    }
}

/// The rule an import from a `from` file of a `to` file breaks, if any.
fn broken_rule(from: Layer, to: Layer) -> Option<u8> {
    match (from, to) {
        (Layer::Core, Layer::Core) => None,
        (Layer::Core, _) => Some(1),
        (Layer::WebKit, Layer::Top | Layer::Handler) => Some(2),
        (Layer::Model, Layer::Top | Layer::WebKit | Layer::Handler) => Some(3),
        (Layer::Handler, Layer::Top) => Some(4),
        _ => None,
    }
}

fn rule_text(rule: u8) -> &'static str {
    match rule {
        1 => "rule 1: core imports only core",
        2 => "rule 2: http/ imports no top file and no domain handler",
        3 => "rule 3: a domain model/store/service imports nothing from http/, no handler and no top file",
        4 => "rule 4: a domain handler imports no top file",
        _ => "an unknown rule",
    }
}

/// An import that goes the wrong way between layers.
#[derive(Debug)]
struct LayerBreak {
    from: String,
    to: String,
    rule: u8,
    /// Some of the paths that make the import, as written (groups expanded).
    via: String,
}

impl fmt::Display for LayerBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "src/{} -> src/{} ({})  [{}]", self.from, self.to, rule_text(self.rule), self.via)
    }
}

fn layer_breaks(graph: &Graph) -> Vec<LayerBreak> {
    let mut breaks = Vec::new();
    for (from, targets) in &graph.edges {
        for (to, vias) in targets {
            let (Some(&from_layer), Some(&to_layer)) = (graph.layers.get(from), graph.layers.get(to)) else { continue };
            if let Some(rule) = broken_rule(from_layer, to_layer) {
                breaks.push(LayerBreak { from: from.clone(), to: to.clone(), rule, via: some_of(vias) });
            }
        }
    }
    breaks
}

/// Up to three of `vias`, for a message.
fn some_of(vias: &BTreeSet<String>) -> String {
    let shown: Vec<&str> = vias.iter().take(3).map(String::as_str).collect();
    let more = if vias.len() > shown.len() { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

// The import graph.

/// The files of a crate and which file imports which.
struct Graph {
    layers: BTreeMap<String, Layer>,
    /// File → imported file → the paths that import it, as written (groups expanded). Every file
    /// has an entry; a file never imports itself.
    edges: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

impl Graph {
    /// The graph of the crate whose files (path relative to `src/` → source) are `files`.
    fn of(files: &BTreeMap<String, String>) -> Graph {
        let mut tokens: BTreeMap<&str, Vec<Tok>> = BTreeMap::new();
        let mut test_only: Vec<Vec<String>> = Vec::new();
        for (file, source) in files {
            let (code, test_modules) = code_tokens(source);
            for name in test_modules {
                let mut module = module_path(file);
                module.push(name);
                test_only.push(module);
            }
            tokens.insert(file.as_str(), code);
        }
        // Files of modules declared `#[cfg(test)] mod name;` are tests, like inline test modules.
        tokens.retain(|file, _| !test_only.iter().any(|module| module_path(file).starts_with(module)));

        let mut modules = BTreeMap::new();
        for file in tokens.keys() {
            modules.insert(module_path(file), (*file).to_owned());
        }
        if tokens.contains_key("lib.rs") {
            // main.rs is a crate root too; `crate::X` means the library's root.
            modules.insert(Vec::new(), "lib.rs".to_owned());
        }
        let mut macros = BTreeMap::new();
        for (file, code) in &tokens {
            for name in exported_macros(code) {
                macros.insert(name, (*file).to_owned());
            }
        }
        let tree = Tree { modules, macros };
        let domains = domain_folders(files);
        let layers = tokens.keys().map(|file| ((*file).to_owned(), layer_of(file, &domains))).collect();
        let edges = tokens.iter().map(|(file, code)| ((*file).to_owned(), tree.imports_of(file, code))).collect();
        Graph { layers, edges }
    }

    fn edge_count(&self) -> usize {
        self.edges.values().map(BTreeMap::len).sum()
    }
}

/// `a/b.rs` → `[a, b]`; `a/mod.rs` → `[a]`; `lib.rs` and `main.rs` → `[]`, the crate root.
fn module_path(file: &str) -> Vec<String> {
    let mut path: Vec<String> = file.strip_suffix(".rs").unwrap_or(file).split('/').map(str::to_owned).collect();
    if path.last().is_some_and(|last| last == "mod") || (path.len() == 1 && (path[0] == "lib" || path[0] == "main")) {
        path.pop();
    }
    path
}

struct Tree {
    /// Module path → the file that is that module.
    modules: BTreeMap<Vec<String>, String>,
    /// `#[macro_export]`ed macro → the file defining it (the macro itself lives at the crate root).
    macros: BTreeMap<String, String>,
}

impl Tree {
    /// The file a full module path (from the crate root) leads to: the longest prefix that is a
    /// module file; a path to a crate-root item (`crate::Error`) leads to the root, lib.rs.
    fn file_of(&self, path: &[String]) -> Option<&str> {
        let exported_macro = match path {
            [name] if !self.modules.contains_key(path) => self.macros.get(name),
            _ => None,
        };
        if let Some(file) = exported_macro {
            return Some(file.as_str());
        }
        (0..=path.len()).rev().find_map(|len| self.modules.get(&path[..len])).map(String::as_str)
    }

    fn children(&self, module: &[String]) -> Vec<Vec<String>> {
        self.modules.keys().filter(|path| path.len() == module.len() + 1 && path.starts_with(module)).cloned().collect()
    }

    /// The files `file` imports, each with the paths (as written) that import it.
    fn imports_of(&self, file: &str, code: &[Tok]) -> BTreeMap<String, BTreeSet<String>> {
        let mut scope = Scope { me: module_path(file), aliases: BTreeMap::new(), globbed: BTreeMap::new() };
        let (leaves, in_use) = use_items(code);
        // Names bound to modules (`use crate::{accounts, ledger};`, `use crate::ledger::store as
        // ledger;`, the children of a glob-imported module), to a fixpoint: one such name may be
        // imported through another.
        for _ in 0..=leaves.len() {
            let mut changed = false;
            for leaf in &leaves {
                let Some(full) = scope.absolute(self, &leaf.path) else { continue };
                if !self.modules.contains_key(&full) {
                    continue;
                }
                if leaf.glob {
                    for child in self.children(&full) {
                        let name = child.last().cloned().unwrap_or_default();
                        changed |= scope.globbed.insert(name, child.clone()).as_ref() != Some(&child);
                    }
                } else if let Some(name) = &leaf.binding {
                    changed |= scope.aliases.insert(name.clone(), full.clone()).as_ref() != Some(&full);
                }
            }
            if !changed {
                break;
            }
        }

        let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut import = |path: &[String]| {
            let Some(full) = scope.absolute(self, path) else { return };
            let Some(target) = self.file_of(&full) else { return };
            if target != file {
                imports.entry(target.to_owned()).or_default().insert(path.join("::"));
            }
        };
        for leaf in &leaves {
            import(&leaf.path);
        }
        for path in inline_paths(code, &in_use) {
            import(&path);
        }
        imports
    }
}

/// What names mean in one file.
struct Scope {
    /// The file's module path.
    me: Vec<String>,
    /// Names a `use` binds to a module.
    aliases: BTreeMap<String, Vec<String>>,
    /// Names of the child modules of glob-imported modules.
    globbed: BTreeMap<String, Vec<String>>,
}

impl Scope {
    /// The full module path (from the crate root) of a path written in this file, if it starts
    /// with `crate`, `self`, `super`, a name bound to a module or a child module of this file's.
    fn absolute(&self, tree: &Tree, path: &[String]) -> Option<Vec<String>> {
        let (first, mut rest) = path.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.me.clone(),
            "super" => {
                let mut parent = self.me.clone();
                parent.pop()?;
                parent
            }
            name => {
                let mut child = self.me.clone();
                child.push(name.to_owned());
                if let Some(module) = self.aliases.get(name) {
                    module.clone()
                } else if tree.modules.contains_key(&child) {
                    child
                } else {
                    self.globbed.get(name)?.clone()
                }
            }
        };
        while let Some((next, tail)) = rest.split_first() {
            if next != "super" {
                break;
            }
            base.pop()?;
            rest = tail;
        }
        base.extend_from_slice(rest);
        Some(base)
    }
}

// Cycles.

/// Every set of files that import each other in a circle (strongly connected, more than one
/// file), each sorted.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for file in graph.edges.keys() {
        if !tarjan.index.contains_key(file.as_str()) {
            tarjan.visit(file);
        }
    }
    let mut cycles: Vec<Vec<String>> = tarjan
        .components
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let mut files: Vec<String> = component.into_iter().map(str::to_owned).collect();
            files.sort();
            files
        })
        .collect();
    cycles.sort();
    cycles
}

/// Tarjan's strongly connected components.
struct Tarjan<'g> {
    graph: &'g Graph,
    index: BTreeMap<&'g str, usize>,
    low: BTreeMap<&'g str, usize>,
    stack: Vec<&'g str>,
    on_stack: BTreeSet<&'g str>,
    components: Vec<Vec<&'g str>>,
}

impl<'g> Tarjan<'g> {
    fn visit(&mut self, file: &'g str) {
        let number = self.index.len();
        self.index.insert(file, number);
        self.low.insert(file, number);
        self.stack.push(file);
        self.on_stack.insert(file);
        let graph = self.graph;
        for to in graph.edges.get(file).into_iter().flat_map(BTreeMap::keys) {
            let to = to.as_str();
            let reached = match self.index.get(to).copied() {
                None => {
                    self.visit(to);
                    self.low[to]
                }
                Some(number) if self.on_stack.contains(to) => number,
                Some(_) => continue,
            };
            let low = self.low[file].min(reached);
            self.low.insert(file, low);
        }
        if self.low[file] == self.index[file] {
            let mut component = Vec::new();
            while let Some(member) = self.stack.pop() {
                self.on_stack.remove(member);
                component.push(member);
                if member == file {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

/// A cycle for a failure message: its files, one shortest circle through them, and every import
/// that stays inside it (cutting enough of those breaks the cycle).
fn describe_cycle(graph: &Graph, cycle: &[String]) -> String {
    let members: BTreeSet<&str> = cycle.iter().map(String::as_str).collect();
    let circle: Vec<String> = shortest_circle(graph, &members).iter().map(|file| format!("src/{file}")).collect();
    let mut lines = vec![format!("import cycle among {} files, for one: {}", cycle.len(), circle.join(" -> "))];
    for from in cycle {
        for (to, vias) in graph.edges.get(from).into_iter().flatten() {
            if members.contains(to.as_str()) {
                lines.push(format!("  src/{from} -> src/{to}  [{}]", some_of(vias)));
            }
        }
    }
    lines.join("\n") + "\n"
}

/// A shortest circle of imports from the first of `members` back to it, within `members`.
fn shortest_circle<'g>(graph: &'g Graph, members: &BTreeSet<&'g str>) -> Vec<&'g str> {
    let Some(&start) = members.first() else { return Vec::new() };
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(file) = queue.pop_front() {
        for to in graph.edges.get(file).into_iter().flat_map(BTreeMap::keys).map(String::as_str) {
            if to == start {
                let mut circle = vec![start];
                let mut at = file;
                while at != start {
                    circle.push(at);
                    at = parent[at];
                }
                circle.push(start);
                circle.reverse();
                return circle;
            }
            if members.contains(to) && !parent.contains_key(to) {
                parent.insert(to, file);
                queue.push_back(to);
            }
        }
    }
    Vec::new()
}

// Reading Rust, roughly: enough to find paths.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A number.
    Other,
}

fn is_ident(tok: Option<&Tok>, word: &str) -> bool {
    matches!(tok, Some(Tok::Ident(w)) if w == word)
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The tokens of a file's non-test code, and the names of the modules it declares test-only
/// (`#[cfg(test)] mod name;`).
fn code_tokens(source: &str) -> (Vec<Tok>, Vec<String>) {
    without_test_items(tokenize(&strip_comments_and_literals(source)))
}

/// `source` without comments (doc comments included) and with string and character literals
/// emptied, so that neither can pass for code.
fn strip_comments_and_literals(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            out.push(' ');
        } else if c == '/' && next == Some('*') {
            let mut depth = 0usize;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if let Some(end) = raw_string_end(&chars, i) {
            out.push_str(" \"\" ");
            i = end;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            out.push_str("\"\"");
            i += 1;
        } else if c == '\'' {
            match char_literal_end(&chars, i) {
                Some(end) => {
                    out.push(' ');
                    i = end;
                }
                // A lifetime or a label.
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// If a raw string literal (`r"…"`, `r#"…"#`, `br"…"`, `cr##"…"##`…) starts at `i`, the index just
/// past it.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && is_ident_char(chars[i - 1]) {
        return None;
    }
    let mut k = i;
    if matches!(chars.get(k), Some('b' | 'c')) {
        k += 1;
    }
    if chars.get(k) != Some(&'r') {
        return None;
    }
    k += 1;
    let mut hashes = 0;
    while chars.get(k) == Some(&'#') {
        hashes += 1;
        k += 1;
    }
    if chars.get(k) != Some(&'"') {
        return None;
    }
    k += 1;
    while k < chars.len() {
        if chars[k] == '"' && (1..=hashes).all(|h| chars.get(k + h) == Some(&'#')) {
            return Some(k + 1 + hashes);
        }
        k += 1;
    }
    Some(chars.len())
}

/// If the `'` at `i` opens a character literal (`'x'`, `'"'`, `'\''`, `'\u{1F600}'`), the index
/// just past it; `None` for a lifetime or a label.
fn char_literal_end(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i + 1) == Some(&'\\') {
        let mut k = i + 3;
        while k < chars.len() && chars[k] != '\'' {
            if chars[k] == '\n' {
                return None;
            }
            k += 1;
        }
        Some(k + 1)
    } else if chars.get(i + 2) == Some(&'\'') {
        Some(i + 3)
    } else {
        None
    }
}

fn tokenize(code: &str) -> Vec<Tok> {
    let chars: Vec<char> = code.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let raw_identifier =
                word == "r" && chars.get(i) == Some(&'#') && chars.get(i + 1).is_some_and(|&n| n.is_alphabetic() || n == '_');
            if raw_identifier {
                // `r#name` is the identifier `name`, read next.
                i += 1;
            } else {
                toks.push(Tok::Ident(word));
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            toks.push(Tok::Other);
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            toks.push(Tok::PathSep);
            i += 2;
        } else {
            toks.push(Tok::Punct(c));
            i += 1;
        }
    }
    toks
}

/// The tokens without the items a test-only `#[cfg(…)]` gates (unit-test modules may import
/// anything), and the names of the modules so declared out of line; nothing of a file whose inner
/// attribute is `#![cfg(test)]`.
fn without_test_items(toks: Vec<Tok>) -> (Vec<Tok>, Vec<String>) {
    let mut kept = Vec::with_capacity(toks.len());
    let mut test_modules = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match test_only_attribute(&toks, i) {
            Some((true, _)) => return (Vec::new(), Vec::new()),
            Some((false, after)) => {
                let end = item_end(&toks, after);
                test_modules.extend(declared_module(&toks[after..end]));
                i = end;
            }
            None => {
                kept.push(toks[i].clone());
                i += 1;
            }
        }
    }
    (kept, test_modules)
}

/// The name of the module an item declares out of line (`mod name;`), if it does.
fn declared_module(item: &[Tok]) -> Option<String> {
    match item {
        [.., Tok::Ident(keyword), Tok::Ident(name), Tok::Punct(';')] if keyword == "mod" => Some(name.clone()),
        _ => None,
    }
}

/// If a `#[cfg(…)]` (or `#![cfg(…)]`) that holds only in tests starts at `i`: whether it is an
/// inner attribute, and the index just past it.
fn test_only_attribute(toks: &[Tok], i: usize) -> Option<(bool, usize)> {
    if toks.get(i)? != &Tok::Punct('#') {
        return None;
    }
    let inner = toks.get(i + 1) == Some(&Tok::Punct('!'));
    let k = if inner { i + 2 } else { i + 1 };
    if toks.get(k)? != &Tok::Punct('[') || !is_ident(toks.get(k + 1), "cfg") || toks.get(k + 2)? != &Tok::Punct('(') {
        return None;
    }
    let (test_only, after) = cfg_predicate(toks, k + 3)?;
    if !test_only || toks.get(after)? != &Tok::Punct(')') || toks.get(after + 1)? != &Tok::Punct(']') {
        return None;
    }
    Some((inner, after + 2))
}

/// The `cfg` predicate at `k`: whether it holds only in tests (`test`, `all(test, …)`,
/// `any(test, all(test, …))`), and the index just past it.
fn cfg_predicate(toks: &[Tok], k: usize) -> Option<(bool, usize)> {
    let Some(Tok::Ident(name)) = toks.get(k) else { return None };
    let mut k = k + 1;
    if toks.get(k) == Some(&Tok::Punct('(')) {
        k += 1;
        let mut parts = Vec::new();
        while toks.get(k)? != &Tok::Punct(')') {
            let (part, after) = cfg_predicate(toks, k)?;
            parts.push(part);
            k = after;
            if toks.get(k) == Some(&Tok::Punct(',')) {
                k += 1;
            }
        }
        let test_only = match name.as_str() {
            "all" => parts.contains(&true),
            "any" => !parts.is_empty() && !parts.contains(&false),
            _ => false,
        };
        return Some((test_only, k + 1));
    }
    if toks.get(k) == Some(&Tok::Punct('=')) {
        // `feature = "…"`: the string is `""` by now.
        k += 1;
        while toks.get(k) == Some(&Tok::Punct('"')) {
            k += 1;
        }
        return Some((false, k));
    }
    Some((name == "test", k))
}

/// The index just past the item (or field, variant, statement, match arm) that starts at `start`.
fn item_end(toks: &[Tok], start: usize) -> usize {
    // Depth in (), [] and {}; and in <> outside of those, for the generics of an item's header.
    let mut depth = 0usize;
    let mut angles = 0usize;
    for k in start..toks.len() {
        let arrow = matches!(k.checked_sub(1).and_then(|p| toks.get(p)), Some(Tok::Punct('-' | '=')));
        match toks[k] {
            Tok::Punct('(' | '[') => depth += 1,
            Tok::Punct('{') if depth == 0 => return matching_close(toks, k),
            Tok::Punct('{') => depth += 1,
            // The enclosing block ends: so did the item.
            Tok::Punct(')' | ']' | '}') if depth == 0 => return k,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct('<') if depth == 0 => angles += 1,
            Tok::Punct('>') if depth == 0 && !arrow => angles = angles.saturating_sub(1),
            Tok::Punct(';') if depth == 0 => return k + 1,
            Tok::Punct(',') if depth == 0 && angles == 0 => return k + 1,
            _ => {}
        }
    }
    toks.len()
}

/// The index just past the bracket that closes the one at `open`.
fn matching_close(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (k, tok) in toks.iter().enumerate().skip(open) {
        match tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// One name a `use` item brings in: its path as written (groups expanded, a trailing `self`
/// dropped), the name it binds, and whether it is a glob.
struct UseLeaf {
    path: Vec<String>,
    binding: Option<String>,
    glob: bool,
}

/// The leaves of every `use` item, and which tokens belong to one.
fn use_items(toks: &[Tok]) -> (Vec<UseLeaf>, Vec<bool>) {
    let mut leaves = Vec::new();
    let mut in_use = vec![false; toks.len()];
    let mut i = 0;
    while i < toks.len() {
        // Not `use<'a>`, the precise capturing of `impl Trait + use<'a>`.
        let starts_use =
            is_ident(toks.get(i), "use") && matches!(toks.get(i + 1), Some(Tok::Ident(_) | Tok::PathSep | Tok::Punct('{' | '*')));
        if !starts_use {
            i += 1;
            continue;
        }
        let mut end = parse_use_tree(toks, i + 1, &[], &mut leaves);
        if toks.get(end) == Some(&Tok::Punct(';')) {
            end += 1;
        }
        let end = end.clamp(i + 1, toks.len());
        in_use[i..end].fill(true);
        i = end;
    }
    (leaves, in_use)
}

/// Parses the use tree at `i` under `prefix`, adding its leaves to `out`; returns the index just
/// past it.
fn parse_use_tree(toks: &[Tok], mut i: usize, prefix: &[String], out: &mut Vec<UseLeaf>) -> usize {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(i) {
            Some(Tok::PathSep) => i += 1,
            Some(Tok::Ident(segment)) => {
                path.push(segment.clone());
                i += 1;
                if toks.get(i) == Some(&Tok::PathSep) {
                    i += 1;
                    continue;
                }
                if segment == "self" {
                    path.pop();
                }
                let mut binding = path.last().cloned();
                if is_ident(toks.get(i), "as") {
                    binding = match toks.get(i + 1) {
                        Some(Tok::Ident(name)) if name != "_" => Some(name.clone()),
                        _ => None,
                    };
                    i += 2;
                }
                out.push(UseLeaf { path, binding, glob: false });
                return i;
            }
            Some(Tok::Punct('*')) => {
                out.push(UseLeaf { path, binding: None, glob: true });
                return i + 1;
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                loop {
                    match toks.get(i) {
                        None => return i,
                        Some(Tok::Punct('}')) => return i + 1,
                        Some(Tok::Punct(',')) => i += 1,
                        Some(_) => {
                            let after = parse_use_tree(toks, i, &path, out);
                            // Skip what is not a use tree rather than stall on it.
                            i = if after == i { i + 1 } else { after };
                        }
                    }
                }
            }
            _ => return i,
        }
    }
}

/// Every path outside `use` items that could name a module of the crate: an identifier followed by
/// `::`, not itself inside a longer path or after a `.`, and not a visibility `pub(in path)`.
fn inline_paths(toks: &[Tok], in_use: &[bool]) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut k = 0;
    while k < toks.len() {
        let Some(Tok::Ident(first)) = toks.get(k) else {
            k += 1;
            continue;
        };
        let previous = k.checked_sub(1).and_then(|p| toks.get(p));
        let visibility = k >= 3 && is_ident(toks.get(k - 1), "in") && toks[k - 2] == Tok::Punct('(') && is_ident(toks.get(k - 3), "pub");
        let starts_path = !in_use[k]
            && toks.get(k + 1) == Some(&Tok::PathSep)
            && !matches!(previous, Some(Tok::PathSep | Tok::Punct('.')))
            && !visibility;
        if !starts_path {
            k += 1;
            continue;
        }
        let mut path = vec![first.clone()];
        k += 1;
        while toks.get(k) == Some(&Tok::PathSep) {
            let Some(Tok::Ident(segment)) = toks.get(k + 1) else { break };
            path.push(segment.clone());
            k += 2;
        }
        paths.push(path);
    }
    paths
}

/// The macros a file exports with `#[macro_export]`.
fn exported_macros(toks: &[Tok]) -> Vec<String> {
    let mut macros = Vec::new();
    let mut exported = false;
    for (k, tok) in toks.iter().enumerate() {
        if is_ident(Some(tok), "macro_export") {
            exported = true;
        } else if is_ident(Some(tok), "macro_rules") && toks.get(k + 1) == Some(&Tok::Punct('!')) {
            if let (true, Some(Tok::Ident(name))) = (exported, toks.get(k + 2)) {
                macros.push(name.clone());
            }
            exported = false;
        }
    }
    macros
}
