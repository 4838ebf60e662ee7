#!/usr/bin/env node
// Generates the ts backend (bindings/core/ts-core.gen.ts) from the AssemblyScript core
// (assembly/), which is the one source of the core: it parses assembly/*.ts with the TypeScript
// compiler API, types every expression the way asc does, transforms the AST into plain
// TypeScript over typed-array views and prints it.
//
//   node scripts/gen-ts-core.mjs            write the file (npm run gen:core; build:ts runs it)
//   node scripts/gen-ts-core.mjs --check    exit 1 if the file on disk differs (writes nothing)
//   node scripts/gen-ts-core.mjs --strict   fail on every note (a wrap, a signedness or an
//                                           unsigned shift that assembly/ leaves implicit)
//
// The translation (each rule keeps asc's meaning; the header of the output repeats them):
// - load<T>(p) / store<T>(p, v)  -> view[(p) >>> s] over views made once (u8, i32, u32, f64, ...;
//   s = log2 of the width). Addresses are byte addresses; every access is proved aligned for its
//   width by an alignment inference (constants, strides, shifts; the arena base and the region
//   offsets in the header are ALIGN-aligned): an access it cannot prove is an error.
// - atomic.load/store/add/sub/and/or/xor/xchg/cmpxchg/notify -> Atomics.*; atomic.fence() -> one
//   sequentially consistent read-modify-write of 0 on word 0 of the memory (JS has no standalone
//   fence; the word is below every arena and never written).
// - casts: <u32>x -> x >>> 0, <i32>x -> x | 0, <u8>x -> x & 255, <f64>x -> x, <u32><u64>f -> f >>> 0,
//   <i32>bool -> (b ? 1 : 0); integer types -> number, bool -> boolean.
//   A 32-bit integer is carried as any JS integer congruent to its value (mod 2^32, below 2^53)
//   while only its low 32 bits matter (typed-array stores, bitwise operators, shifts, indices),
//   and made exact (| 0, >>> 0) where its value matters: comparisons, conversion to f64,
//   division, truthiness of a sum, a u8 index, a public return. An explicit cast in assembly/
//   says where; a place that needs one and has none is a note (an error with --strict).
// - i32/u32 *: a * c for a small constant c, else Math.imul; / and % on integers truncate
//   (| 0, >>> 0, Math.floor for u64); >> on an unsigned type is >>> (a note: write >>>).
// - memory.fill(dst, byte, n) -> memoryFill: the aligned middle as 32-bit words (V8's
//   TypedArray.prototype.fill costs per element on a SharedArrayBuffer).
// - @inline functions become plain private methods; functions that nothing public reaches are
//   dropped; exported names of assembly/index.ts are the public methods (the Core interface).
// Assumptions (stated in the output): x++ / x-- on an integer local never wrap (loop counters and
// tallies); u64 values stay below 2^53; public functions get in-range arguments (as the wasm
// exports, whose callers pass i32/u32/f64 values).
//
// Anything else in assembly/ (a construct, builtin or type not listed here) is an error naming
// the file and line: the generator never guesses.
import ts from 'typescript';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const f = ts.factory;
const K = ts.SyntaxKind;

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The entry whose exports are the public methods. */
export const ENTRY = 'assembly/index.ts';
export const LAYOUT = 'bindings/core/layout.ts';
export const OUTPUT = 'bindings/core/ts-core.gen.ts';
export const GENERATOR = 'scripts/gen-ts-core.mjs';

/** Header words that hold region offsets: computeLayout makes each a multiple of ALIGN. */
export const ALIGNED_HEADER_WORDS = ['H_CTX_OFF', 'H_SLOT_OFF', 'H_COLD_OFF', 'H_RINGS_OFF', 'H_DMA_OFF', 'H_DMA_MAP_OFF', 'H_CORR_OFF', 'H_RING_STRIDE', 'H_SCHED_OFF', 'H_ENT_OFF', 'H_JOB_OFF', 'H_DEP_OFF'];
/** Parameters that hold the arena base: ARENA_BASE is a multiple of ALIGN. */
export const ALIGNED_PARAMS = ['base'];

// ── types ────────────────────────────────────────────────────────────────────────────────────
const INT = {
  i8: { signed: true, size: 8 }, u8: { signed: false, size: 8 },
  i16: { signed: true, size: 16 }, u16: { signed: false, size: 16 },
  i32: { signed: true, size: 32 }, u32: { signed: false, size: 32 },
  isize: { signed: true, size: 32 }, usize: { signed: false, size: 32 },
  i64: { signed: true, size: 64 }, u64: { signed: false, size: 64 },
};
const isInt = (t) => t in INT;
const isFloat = (t) => t === 'f64' || t === 'f32';
const isBool = (t) => t === 'bool';
const size = (t) => (isBool(t) ? 1 : INT[t]?.size ?? (t === 'f32' ? 32 : 64));
const signed = (t) => INT[t]?.signed ?? false;
const is64 = (t) => isInt(t) && INT[t].size === 64;
/** Typed-array view per load/store type: [name, constructor, log2 width]. */
const VIEWS = {
  i8: ['i8', 'Int8Array', 0], u8: ['u8', 'Uint8Array', 0], bool: ['u8', 'Uint8Array', 0],
  i16: ['i16', 'Int16Array', 1], u16: ['u16', 'Uint16Array', 1],
  i32: ['i32', 'Int32Array', 2], isize: ['i32', 'Int32Array', 2],
  u32: ['u32', 'Uint32Array', 2], usize: ['u32', 'Uint32Array', 2],
  f32: ['f32', 'Float32Array', 2], f64: ['f64', 'Float64Array', 3],
};
const VIEW_ORDER = ['u8', 'i8', 'u16', 'i16', 'i32', 'u32', 'f32', 'f64'];
const VIEW_CTOR = Object.fromEntries(Object.values(VIEWS).map(([n, c]) => [n, c]));

/** asc's Type.isAssignableTo. */
function assignable(from, to, signednessMatters) {
  if (from === to) return true;
  if (isBool(from) && isInt(to)) return true;
  if (isInt(from) && isInt(to)) {
    if (!signednessMatters || signed(from) === signed(to)) return size(from) <= size(to);
    return false;
  }
  if ((isInt(from) || isBool(from)) && isFloat(to)) return size(from) <= (to === 'f64' ? 52 : 23);
  if (from === 'f32' && to === 'f64') return true;
  return false;
}
/** asc's Type.commonDenominator. */
function common(l, r, signednessMatters) {
  if (assignable(r, l, signednessMatters)) return l;
  if (assignable(l, r, signednessMatters)) return r;
  return null;
}

// ── representations ──────────────────────────────────────────────────────────────────────────
// For an integer value the JS number carrying it: canon (exactly the value), bits (|x| < 2^bits,
// and x is congruent to the value modulo 2^width), float (a <u64> of an f64 not yet truncated),
// decl (an explicit cast to this type was written: making it exact later is no note), al (the
// largest power of two known to divide the value: the alignment proof).
const CAP_AL = 1 << 20;
const lowbit = (v) => (v === 0 ? CAP_AL : Math.min(CAP_AL, (v & -v) >>> 0 || CAP_AL));
function canonBits(t) {
  return is64(t) ? 53 : size(t) === 32 ? 32 : size(t);
}
function top(t) {
  return { canon: true, bits: canonBits(t), float: false, decl: true, al: CAP_AL };
}
function canonRep(t, al = 1) {
  return { canon: true, bits: canonBits(t), float: false, decl: false, al };
}
function joinRep(a, b) {
  if (!a) return b;
  if (!b) return a;
  return { canon: a.canon && b.canon, bits: Math.max(a.bits, b.bits), float: a.float || b.float, decl: a.decl && b.decl, al: Math.min(a.al, b.al) };
}
const sameRep = (a, b) => a.canon === b.canon && a.bits === b.bits && a.float === b.float && a.decl === b.decl && a.al === b.al;
/** Satisfies level: 'mod' (only the low bits matter), 'truthy' (zero iff zero), 'exact'. */
function satisfies(r, level) {
  if (r.float) return false;
  if (level === 'exact') return r.canon;
  if (level === 'truthy') return r.canon || r.bits <= 32;
  return r.bits <= 53;
}

// ── the generator ────────────────────────────────────────────────────────────────────────────
class GenError extends Error {}

/** Evaluates layout.ts: `export const NAME = <integer expression>;` only. */
function readLayout(root) {
  const text = readFileSync(join(root, LAYOUT), 'utf8');
  const sf = ts.createSourceFile(LAYOUT, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const consts = new Map();
  const evalc = (e) => {
    if (ts.isNumericLiteral(e)) return Number(e.text);
    if (ts.isParenthesizedExpression(e)) return evalc(e.expression);
    if (ts.isPrefixUnaryExpression(e) && e.operator === K.MinusToken) return -evalc(e.operand);
    if (ts.isPrefixUnaryExpression(e) && e.operator === K.TildeToken) return ~evalc(e.operand);
    if (ts.isIdentifier(e) && consts.has(e.text)) return consts.get(e.text);
    if (ts.isBinaryExpression(e)) {
      const a = evalc(e.left), b = evalc(e.right);
      switch (e.operatorToken.kind) {
        case K.PlusToken: return a + b;
        case K.MinusToken: return a - b;
        case K.AsteriskToken: return a * b;
        case K.LessThanLessThanToken: return a << b;
        case K.BarToken: return a | b;
        case K.AmpersandToken: return a & b;
      }
    }
    throw new GenError(`${LAYOUT}:${sf.getLineAndCharacterOfPosition(e.getStart()).line + 1}: not an integer constant expression: ${e.getText()}`);
  };
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (d.initializer) consts.set(d.name.getText(), evalc(d.initializer));
    }
  }
  return consts;
}

/** Parses assembly/index.ts and every module it reaches; returns modules in order and the public names. */
function readModules(root) {
  const entryText = readFileSync(join(root, ENTRY), 'utf8');
  const entry = ts.createSourceFile(ENTRY, entryText, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const publicNames = [];
  const order = [];
  const seen = new Set();
  const visit = (file) => {
    // Marked before its imports are visited: modules may import each other (ring <-> sched).
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(root, file), 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    for (const st of sf.statements) {
      if (ts.isImportDeclaration(st)) {
        const spec = st.moduleSpecifier.text;
        if (spec.startsWith('./')) visit(posix.join(posix.dirname(file), spec + '.ts'));
      }
    }
    order.push(file);
    modules.set(file, sf);
  };
  const modules = new Map();
  for (const st of entry.statements) {
    if (!ts.isExportDeclaration(st) || !st.moduleSpecifier || !st.exportClause || !ts.isNamedExports(st.exportClause)) {
      throw new GenError(`${ENTRY}: only \`export { names } from "./module"\` is understood`);
    }
    for (const el of st.exportClause.elements) {
      if (el.propertyName) throw new GenError(`${ENTRY}: renamed exports are not supported (${el.getText()})`);
      publicNames.push(el.name.text);
    }
    visit(posix.join('assembly', st.moduleSpecifier.text + '.ts'));
  }
  return { order, modules: order.map((file) => ({ file, sf: modules.get(file) })), publicNames };
}

export function generate({ root = ROOT } = {}) {
  const layout = readLayout(root);
  const { modules, publicNames } = readModules(root);
  const layoutSpec = posix.relative('assembly', LAYOUT).replace(/\.ts$/, '');

  // Functions, by name.
  const fns = new Map();
  for (const { file, sf } of modules) {
    for (const st of sf.statements) {
      const where = `${file}:${sf.getLineAndCharacterOfPosition(st.getStart()).line + 1}`;
      if (ts.isImportDeclaration(st)) {
        const spec = st.moduleSpecifier.text;
        const names = st.importClause?.namedBindings;
        if (!names || !ts.isNamedImports(names) || st.importClause.name) throw new GenError(`${where}: only named imports are supported`);
        if (spec === layoutSpec) {
          for (const el of names.elements) {
            if (!layout.has(el.name.text)) throw new GenError(`${where}: ${el.name.text} is not a constant of ${LAYOUT}`);
          }
        } else if (!spec.startsWith('./')) {
          throw new GenError(`${where}: import from ${spec}: only ${layoutSpec} and sibling modules are supported`);
        }
        continue;
      }
      if (ts.isFunctionDeclaration(st) && st.name && st.body) {
        for (const m of st.modifiers ?? []) {
          if (m.kind === K.Decorator) {
            const d = m.expression.getText();
            if (d !== 'inline') throw new GenError(`${where}: decorator @${d} is not supported`);
          } else if (m.kind !== K.ExportKeyword) {
            throw new GenError(`${where}: modifier ${m.getText()} is not supported`);
          }
        }
        if (st.typeParameters) throw new GenError(`${where}: generic functions are not supported`);
        const name = st.name.text;
        if (fns.has(name)) throw new GenError(`${where}: function ${name} is also defined in ${fns.get(name).file}`);
        if (layout.has(name)) throw new GenError(`${where}: function ${name} has the name of a layout constant`);
        fns.set(name, { name, file, sf, node: st, public: publicNames.includes(name) });
        continue;
      }
      if (st.kind === K.EmptyStatement) continue;
      throw new GenError(`${where}: only imports and function declarations are supported at the top level (found ${K[st.kind]})`);
    }
  }
  for (const n of publicNames) if (!fns.has(n)) throw new GenError(`${ENTRY}: ${n} is exported but not defined`);
  for (const fn of fns.values()) {
    fn.params = fn.node.parameters.map((p) => {
      if (!p.type || p.initializer || p.dotDotDotToken) throw new GenError(`${fn.file}: ${fn.name}: every parameter needs a type and no default`);
      return { name: p.name.getText(), type: asType(p.type, fn.sf) };
    });
    fn.ret = fn.node.type ? asType(fn.node.type, fn.sf) : 'void';
  }

  // The fixpoint: representations of locals, parameters and returns only get worse (joins),
  // so passes repeat until nothing changes. The last pass's output is the result.
  // A discovery pass finds the locals read where their exact value matters and how often each
  // is assigned: one assigned once is made exact at its definition (once), not at every read.
  const discovery = new Pass(fns, layout, new Map(), { exact: new Set(), defs: new Map() });
  discovery.run();
  const hints = { exact: discovery.exactUses, defs: discovery.defs };
  let state = new Map();
  let out;
  for (let pass = 0; ; pass++) {
    if (pass > 100) throw new GenError('the representation analysis did not converge');
    const ctx = new Pass(fns, layout, state, hints);
    out = ctx.run();
    const next = new Map(state);
    let changed = false;
    for (const [k, r] of ctx.acc) {
      const j = joinRep(state.get(k), r);
      if (!state.has(k) || !sameRep(state.get(k), j)) changed = true;
      next.set(k, j);
    }
    state = next;
    if (!changed) {
      out.passes = pass + 1;
      break;
    }
  }
  return { text: print(out, fns, layout), notes: out.notes, accesses: out.accesses, functions: out.emitted.map((fn) => fn.name) };
}

function asType(node, sf) {
  const t = node.getText(sf);
  if (t === 'void' || t === 'bool' || isInt(t) || isFloat(t)) return t;
  throw new GenError(`${sf.fileName}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: type ${t} is not supported`);
}

/** One translation pass over every reachable function. */
class Pass {
  constructor(fns, layout, state, hints) {
    this.fns = fns;
    this.layout = layout;
    this.state = state;
    this.hints = hints;
    this.exactUses = new Set();
    this.defs = new Map();
    this.commented = new Set();
    this.acc = new Map();
    this.notes = [];
    this.accesses = [];
    this.usedConsts = new Set();
    this.usedFill = false;
    this.allViews = new Set();
  }

  run() {
    // Public functions first, then what they reach, in source order.
    const reach = new Set();
    const calls = (fn) => {
      const found = [];
      const walk = (n) => {
        if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && this.fns.has(n.expression.text)) found.push(n.expression.text);
        ts.forEachChild(n, walk);
      };
      walk(fn.node.body);
      return found;
    };
    const stack = [...this.fns.values()].filter((fn) => fn.public).map((fn) => fn.name);
    while (stack.length) {
      const n = stack.pop();
      if (reach.has(n)) continue;
      reach.add(n);
      stack.push(...calls(this.fns.get(n)));
    }
    const emitted = [...this.fns.values()].filter((fn) => reach.has(fn.name));
    const methods = emitted.map((fn) => this.fn(fn));
    return { methods, emitted, notes: this.notes, accesses: this.accesses, usedConsts: this.usedConsts, usedFill: this.usedFill, views: this.allViews };
  }

  where(node) {
    const sf = this.cur.sf;
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    return `${this.cur.file}:${line + 1}:${character + 1}`;
  }
  fail(node, msg) {
    throw new GenError(`${this.where(node)}: ${msg}`);
  }
  note(node, msg) {
    this.notes.push({ at: this.where(node), file: this.cur.file, line: this.cur.sf.getLineAndCharacterOfPosition(node.getStart(this.cur.sf)).line + 1, source: node.getText(this.cur.sf), message: msg });
  }
  /** The assumed representation of a local, parameter or return, and the join of what flows in. */
  rep(key, t) {
    return this.state.get(key) ?? top(t);
  }
  flow(key, r) {
    this.acc.set(key, joinRep(this.acc.get(key), r));
  }

  fn(fn) {
    this.cur = fn;
    this.views = new Set();
    this.scopes = [new Map()];
    const params = fn.params.map((p) => {
      const key = `${fn.name}(${p.name}`;
      const info = { name: p.name, type: p.type, key };
      this.declare(fn.node, info);
      if (fn.public) this.acc.set(key, { ...canonRep(p.type, ALIGNED_PARAMS.includes(p.name) ? 16 : 1), decl: false });
      return f.createParameterDeclaration(undefined, undefined, p.name, undefined, tsType(p.type));
    });
    const body = this.block(fn.node.body);
    for (const v of this.views) this.allViews.add(v);
    const pre = [...this.views].sort((a, b) => VIEW_ORDER.indexOf(a) - VIEW_ORDER.indexOf(b)).map((v) =>
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(v, undefined, undefined, f.createPropertyAccessExpression(f.createThis(), v))], ts.NodeFlags.Const)),
    );
    const mods = fn.public ? [] : [f.createModifier(K.PrivateKeyword)];
    const m = f.createMethodDeclaration(mods, undefined, fn.name, undefined, undefined, params, tsType(fn.ret), f.createBlock([...pre, ...body.statements], true));
    copyComments(fn.node, m, fn.sf, this.commented);
    return { fn, node: m };
  }

  declare(node, info) {
    const s = this.scopes[this.scopes.length - 1];
    if (s.has(info.name)) this.fail(node, `${info.name} is declared twice`);
    if (['u8', 'i8', 'u16', 'i16', 'i32', 'u32', 'f32', 'f64', 'Math', 'Atomics', 'Infinity', 'NaN'].includes(info.name) || this.layout.has(info.name) || this.fns.has(info.name)) {
      this.fail(node, `the name ${info.name} is reserved in the generated code (a view, a builtin, a layout constant or a function)`);
    }
    s.set(info.name, info);
  }
  def(key) {
    this.defs.set(key, (this.defs.get(key) ?? 0) + 1);
  }
  lookup(name) {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i].has(name)) return this.scopes[i].get(name);
    return undefined;
  }

  // ── statements ──
  block(node) {
    this.scopes.push(new Map());
    const out = [];
    for (const st of node.statements) out.push(...this.stmt(st));
    this.scopes.pop();
    return f.createBlock(out, true);
  }
  stmtAsBlockOrSingle(st) {
    if (ts.isBlock(st)) return this.block(st);
    this.scopes.push(new Map());
    const out = this.stmt(st);
    this.scopes.pop();
    return out.length === 1 ? out[0] : f.createBlock(out, true);
  }
  stmt(st) {
    const out = this.stmtInner(st);
    if (out.length) copyComments(st, out[0], this.cur.sf, this.commented);
    return out;
  }
  stmtInner(st) {
    switch (st.kind) {
      case K.Block:
        return [this.block(st)];
      case K.EmptyStatement:
        return [];
      case K.VariableStatement:
        return [f.createVariableStatement(undefined, this.varList(st.declarationList))];
      case K.ExpressionStatement:
        return [f.createExpressionStatement(this.effect(st.expression))];
      case K.IfStatement: {
        const cond = this.cond(st.expression);
        const then = this.stmtAsBlockOrSingle(st.thenStatement);
        const other = st.elseStatement ? this.stmtAsBlockOrSingle(st.elseStatement) : undefined;
        const node = f.createIfStatement(cond, then, other);
        // \`if (c) x;\` and \`} else {\` on one line, as the repository writes them.
        if (ts.isBlock(then) || !other) ts.setEmitFlags(node, ts.EmitFlags.SingleLine);
        return [node];
      }
      case K.WhileStatement:
        return [f.createWhileStatement(this.cond(st.expression), this.stmtAsBlockOrSingle(st.statement))];
      case K.DoStatement:
        return [f.createDoStatement(this.stmtAsBlockOrSingle(st.statement), this.cond(st.expression))];
      case K.ForStatement: {
        this.scopes.push(new Map());
        let init;
        if (st.initializer) {
          if (ts.isVariableDeclarationList(st.initializer)) init = this.varList(st.initializer);
          else init = this.effect(st.initializer);
        }
        const cond = st.condition ? this.cond(st.condition) : undefined;
        const incr = st.incrementor ? this.effect(st.incrementor) : undefined;
        const body = this.stmtAsBlockOrSingle(st.statement);
        this.scopes.pop();
        return [f.createForStatement(init, cond, incr, body)];
      }
      case K.BreakStatement:
        if (st.label) this.fail(st, 'labels are not supported');
        return [f.createBreakStatement()];
      case K.ContinueStatement:
        if (st.label) this.fail(st, 'labels are not supported');
        return [f.createContinueStatement()];
      case K.ReturnStatement: {
        const fn = this.cur;
        if (!st.expression) return [f.createReturnStatement()];
        if (fn.ret === 'void') this.fail(st, 'a value returned from a void function');
        const v = this.conv(this.ex(st.expression, fn.ret), fn.ret, false, st.expression);
        let e;
        if (fn.public) e = this.need(v, 'exact', st.expression, `${fn.name} returns it to JS`);
        else {
          e = v.e;
          if (v.r) this.flow(`${fn.name})`, v.r);
        }
        return [f.createReturnStatement(e)];
      }
      default:
        this.fail(st, `statement ${K[st.kind]} is not supported`);
    }
  }
  varList(list) {
    const isConst = (list.flags & ts.NodeFlags.Const) !== 0;
    if (!(list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) this.fail(list, 'var is not supported');
    const decls = list.declarations.map((d) => {
      if (!ts.isIdentifier(d.name)) this.fail(d, 'destructuring is not supported');
      const name = d.name.text;
      const declared = d.type ? asType(d.type, this.cur.sf) : undefined;
      let init, type;
      if (d.initializer) {
        const v = this.ex(d.initializer, declared);
        type = declared ?? (v.lit ? (v.t === 'f64' ? 'f64' : 'i32') : v.t);
        let c = this.conv(v, type, false, d.initializer);
        const key = `${this.cur.name}:${name}@${d.getStart(this.cur.sf)}`;
        if (c.r && this.hints.exact.has(key) && this.hints.defs.get(key) === 1 && !satisfies(c.r, 'exact')) {
          c = { ...c, e: this.need(c, 'exact', d.initializer, `${name} is read where its exact value matters`) };
          c.r = { ...canonRep(type, c.r.al) };
        }
        init = c.e;
        this.declare(d, { name, type, key });
        this.def(key);
        if (c.r) this.flow(key, c.r);
      } else {
        if (!declared) this.fail(d, `${name} needs a type or an initializer`);
        type = declared;
        const key = `${this.cur.name}:${name}@${d.getStart(this.cur.sf)}`;
        this.declare(d, { name, type, key });
        this.def(key);
        if (isInt(type)) this.flow(key, canonRep(type, CAP_AL)); // zero-initialized
      }
      return f.createVariableDeclaration(name, undefined, d.initializer ? undefined : tsType(type), init ?? (isBool(type) ? f.createFalse() : d.initializer ? undefined : f.createNumericLiteral(0)));
    });
    return f.createVariableDeclarationList(decls, isConst ? ts.NodeFlags.Const : ts.NodeFlags.Let);
  }

  /** An expression in a condition: only zero / non-zero matters. */
  cond(node) {
    const v = this.ex(node, 'bool', false, true);
    if (isBool(v.t) || isFloat(v.t)) return v.e;
    return this.need(v, 'truthy', node, 'it is tested for zero');
  }

  /** An expression whose value is discarded. */
  effect(node) {
    const v = this.ex(node, undefined, true);
    return v.e;
  }

  // ── expressions ──
  /** Returns { e: ts.Expression, t: type, r: rep for integers, lit: a literal typed by context }. */
  ex(node, want, discarded = false, truth = false) {
    switch (node.kind) {
      case K.ParenthesizedExpression: {
        const v = this.ex(node.expression, want, discarded, truth);
        return { ...v, e: paren(v.e) };
      }
      case K.NumericLiteral:
        return this.literal(node, Number(node.text), want, /[.eE]/.test(node.text) && !/^0[xXbBoO]/.test(node.text), node.getText(this.cur.sf));
      case K.TrueKeyword:
        return { e: f.createTrue(), t: 'bool' };
      case K.FalseKeyword:
        return { e: f.createFalse(), t: 'bool' };
      case K.Identifier:
        return this.ident(node);
      case K.TypeAssertionExpression:
      case K.AsExpression: {
        const t = asType(node.type, this.cur.sf);
        return this.conv(this.ex(node.expression, t), t, true, node);
      }
      case K.PrefixUnaryExpression:
        return this.prefix(node, want, discarded);
      case K.PostfixUnaryExpression:
        return this.incdec(node, node.operand, node.operator, false, discarded);
      case K.BinaryExpression:
        return this.binary(node, want, discarded, truth);
      case K.ConditionalExpression: {
        const c = this.cond(node.condition);
        const a = this.ex(node.whenTrue, want);
        const b = this.ex(node.whenFalse, a.lit ? want : a.t);
        const t = a.lit && !b.lit ? b.t : common(a.t, b.t, false) ?? this.fail(node, `branches of types ${a.t} and ${b.t}`);
        const A = this.conv(a, t, false, node.whenTrue), B = this.conv(b, t, false, node.whenFalse);
        return { e: f.createConditionalExpression(c, undefined, A.e, undefined, B.e), t, r: A.r && B.r ? joinRep(A.r, B.r) : undefined };
      }
      case K.CallExpression:
        return this.call(node, want, discarded);
      default:
        this.fail(node, `expression ${K[node.kind]} is not supported`);
    }
  }

  literal(node, value, want, hasDot, text) {
    const e = text && !/^0[bBoO]/.test(text) && !text.includes('_') ? (value < 0 ? f.createPrefixMinus(f.createNumericLiteral(text)) : f.createNumericLiteral(text)) : num(value);
    if (hasDot || !Number.isInteger(value)) return { e, t: want === 'f32' ? 'f32' : 'f64', lit: true };
    if (want && isFloat(want)) return { e, t: want, lit: true };
    // asc: an integer literal takes an integer contextual type, else i32 (i64 when it does not fit).
    const t = want && isInt(want) ? want : value >= -0x80000000 && value <= 0x7fffffff ? 'i32' : 'i64';
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) this.fail(node, 'an integer literal beyond 2^53');
    return { e, t, r: { ...foldRep(value, t), decl: true }, lit: true, konst: value };
  }

  ident(node) {
    const name = node.text;
    const v = this.lookup(name);
    if (v) {
      const r = isInt(v.type) ? this.rep(v.key, v.type) : undefined;
      return { e: f.createIdentifier(name), t: v.type, r, local: v };
    }
    if (this.layout.has(name)) {
      const value = this.layout.get(name);
      if (value < -0x80000000 || value > 0x7fffffff) this.fail(node, `${name} = ${value} does not fit i32 (asc would type it i64)`);
      this.usedConsts.add(name);
      return { e: f.createIdentifier(name), t: 'i32', r: { ...canonRep('i32', lowbit(value)), decl: true }, konst: value };
    }
    if (name === 'Infinity' || name === 'NaN') return { e: f.createIdentifier(name), t: 'f64' };
    this.fail(node, `unknown identifier ${name}`);
  }

  /** Makes v satisfy level, inserting | 0, >>> 0, ... where needed; notes it unless a cast asked for it. */
  need(v, level, node, why) {
    if (v.local && level === 'exact') this.exactUses.add(v.local.key);
    if (!v.r || satisfies(v.r, level)) return v.e;
    if (!v.r.decl && !v.r.float) {
      this.note(node, `${why}: this ${v.t} may be out of range in JS (asc wraps it); the generator made it exact with ${coercionText(v.t)}: write <${v.t}> here in assembly/`);
    }
    return this.canon(v).e;
  }
  /** v made exact. */
  canon(v) {
    const t = v.t;
    let e;
    if (v.r.float) e = is64(t) ? call('Math', 'trunc', [v.e]) : coerce(v.e, t);
    else if (is64(t)) return v; // exact below 2^53 by assumption
    else e = coerce(v.e, t);
    return { ...v, e, r: { ...canonRep(t, v.r.al), decl: v.r.decl } };
  }

  /** asc's conversions; explicit = a cast written in the source. */
  conv(v, to, explicit, node) {
    const from = v.t;
    if (to === 'void') this.fail(node, 'a cast to void');
    if (from === to) return explicit && v.r ? { ...v, r: { ...v.r, decl: true } } : v;
    if (from === 'void') this.fail(node, 'a void value used');
    if (isFloat(to)) {
      if (isBool(from)) return { e: boolToNum(v.e), t: to };
      if (isInt(from)) {
        if (v.lit) return { e: v.e, t: to };
        if (!explicit && !assignable(from, to, false)) this.fail(node, `${from} to ${to} needs an explicit cast`);
        return { e: this.need(v, 'exact', node, `converted to ${to}`), t: to };
      }
      if (to === 'f32' && from === 'f64') return { e: call('Math', 'fround', [v.e]), t: to };
      return { e: v.e, t: to };
    }
    if (isBool(to)) {
      if (isInt(from)) return { e: f.createBinaryExpression(paren(this.need(v, 'truthy', node, 'converted to bool')), K.ExclamationEqualsEqualsToken, num(0)), t: 'bool' };
      if (isFloat(from)) return { e: f.createBinaryExpression(paren(v.e), K.ExclamationEqualsEqualsToken, num(0)), t: 'bool' };
    }
    if (isInt(to)) {
      if (!explicit && !v.lit && !assignable(from, to, false)) this.fail(node, `${from} to ${to} needs an explicit cast`);
      if (isBool(from)) return { e: boolToNum(v.e), t: to, r: { ...canonRep(to), decl: explicit } };
      if (isFloat(from)) {
        if (!explicit) this.fail(node, `${from} to ${to} needs an explicit cast`);
        if (is64(to)) {
          if (signed(to)) this.fail(node, 'f64 to i64 is not supported');
          return { e: v.e, t: to, r: { canon: false, bits: 53, float: true, decl: true, al: 1 } };
        }
        if (size(to) < 32) this.fail(node, `f64 to ${to} is not supported`);
        return { e: coerce(v.e, to), t: to, r: { ...canonRep(to), decl: true } };
      }
      if (v.konst !== undefined) {
        // A literal or a layout constant: its value is known, so is its representation.
        return { e: v.e, t: to, r: { ...foldRep(v.konst, to), decl: true }, lit: v.lit, konst: v.konst };
      }
      const r = v.r;
      if (is64(from) && !is64(to)) {
        // Wrapping to the low bits: ToUint32 / ToInt32 also truncate a float.
        if (r.float) return { e: coerce(v.e, to), t: to, r: { ...canonRep(to, 1), decl: true } };
        return { e: v.e, t: to, r: { canon: false, bits: 53, float: false, decl: explicit, al: r.al } };
      }
      if (is64(to) && !is64(from)) {
        // Extension: needs the exact value; a signed one must not be negative.
        if (signed(from) && !signed(to)) this.fail(node, `${from} to ${to} (sign extension into an unsigned 64-bit number) is not supported`);
        const e = this.need(v, 'exact', node, `extended to ${to}`);
        return { e, t: to, r: { ...canonRep(to, r.al), decl: explicit } };
      }
      if (size(to) > size(from)) {
        // A small type extended: exact first; then canonical unless a negative value goes unsigned.
        const e = this.need(v, 'exact', node, `extended to ${to}`);
        const canon = !(signed(from) && !signed(to));
        return { e, t: to, r: { canon, bits: canon ? canonBits(to) : size(from), float: false, decl: explicit, al: r.al } };
      }
      // Same size, or narrower: the same bits, reinterpreted or wrapped.
      const canon = r.canon && size(to) === size(from) && signed(to) === signed(from);
      return { e: v.e, t: to, r: { canon, bits: r.bits, float: r.float, decl: explicit || (canon && r.decl), al: r.al } };
    }
    this.fail(node, `conversion from ${from} to ${to} is not supported`);
  }

  prefix(node, want, discarded) {
    const op = node.operator;
    if (op === K.PlusPlusToken || op === K.MinusMinusToken) return this.incdec(node, node.operand, op, true, discarded);
    if (op === K.ExclamationToken) return { e: f.createLogicalNot(paren(this.cond(node.operand))), t: 'bool' };
    if (op === K.MinusToken && ts.isNumericLiteral(node.operand)) {
      const v = this.literal(node.operand, -Number(node.operand.text), want, /[.eE]/.test(node.operand.text), node.operand.getText(this.cur.sf));
      return v;
    }
    const v = this.ex(node.operand, want);
    if (op === K.MinusToken) {
      if (isFloat(v.t)) return { e: f.createPrefixMinus(paren(v.e)), t: v.t };
      if (!isInt(v.t) || is64(v.t)) this.fail(node, `unary - on ${v.t}`);
      const e = this.operand(v, 52, node);
      return { e: f.createPrefixMinus(paren(e.e)), t: v.t, r: { canon: false, bits: e.r.bits + 1, float: false, decl: false, al: e.r.al } };
    }
    if (op === K.TildeToken) {
      if (!isInt(v.t) || is64(v.t)) this.fail(node, `~ on ${v.t}`);
      const e = this.operand(v, 53, node);
      return { e: f.createBitwiseNot(paren(e.e)), t: v.t, r: bitwiseRep(v.t, 32, 1) };
    }
    if (op === K.PlusToken) return v;
    this.fail(node, `operator ${ts.tokenToString(op)} is not supported`);
  }

  /** x++ / x-- / ++x / --x on an integer or float local (assumed not to wrap). */
  incdec(node, operand, op, prefix, discarded) {
    if (!ts.isIdentifier(operand) || !this.lookup(operand.text)) this.fail(node, '++ and -- apply to locals only');
    const v = this.ident(operand);
    if (!discarded && isInt(v.t)) this.fail(node, 'the value of ++ / -- is not supported (use it as a statement)');
    this.def(v.local.key);
    const e = prefix ? f.createPrefixUnaryExpression(op, v.e) : f.createPostfixUnaryExpression(v.e, op);
    return { e, t: v.t, r: v.r };
  }

  /** An operand of + - * ~ unary -: at most `maxBits` bits (else made exact first). */
  operand(v, maxBits, node) {
    if (v.r.float) return this.canon(v);
    if (v.r.bits <= maxBits) return v;
    this.need(v, 'exact', node, 'its magnitude would pass 2^53');
    return this.canon(v);
  }

  binary(node, want, discarded, truth = false) {
    const op = node.operatorToken.kind;
    if (op === K.EqualsToken || isCompound(op)) return this.assign(node, op, discarded);
    if ((op === K.AmpersandAmpersandToken || op === K.BarBarToken) && truth) {
      // In a condition only zero / non-zero matters, as in JS.
      return { e: f.createBinaryExpression(this.cond(node.left), op, this.cond(node.right)), t: 'bool' };
    }
    if (op === K.AmpersandAmpersandToken || op === K.BarBarToken) {
      const a = this.ex(node.left, want);
      const b = this.ex(node.right, a.t);
      if ((isBool(a.t) || isBool(b.t)) && a.t !== b.t) {
        const A = isBool(a.t) ? a.e : this.conv(a, 'bool', false, node.left).e;
        const B = isBool(b.t) ? b.e : this.conv(b, 'bool', false, node.right).e;
        return { e: f.createBinaryExpression(A, op, B), t: 'bool' };
      }
      if (isBool(a.t)) return { e: f.createBinaryExpression(a.e, op, b.e), t: 'bool' };
      const t = common(a.t, b.t, false) ?? this.fail(node, `${a.t} ${ts.tokenToString(op)} ${b.t}`);
      const A = this.conv(a, t, false, node.left), B = this.conv(b, t, false, node.right);
      const Ae = A.r ? this.need(A, 'truthy', node.left, 'it is tested for zero') : A.e;
      const r = A.r ? joinRep(satisfies(A.r, 'truthy') ? A.r : canonRep(t), B.r) : undefined;
      return { e: f.createBinaryExpression(Ae, op, B.e), t, r };
    }
    const cmp = [K.LessThanToken, K.LessThanEqualsToken, K.GreaterThanToken, K.GreaterThanEqualsToken, K.EqualsEqualsToken, K.ExclamationEqualsToken, K.EqualsEqualsEqualsToken, K.ExclamationEqualsEqualsToken].includes(op);
    const shift = [K.LessThanLessThanToken, K.GreaterThanGreaterThanToken, K.GreaterThanGreaterThanGreaterThanToken].includes(op);
    const a = this.ex(node.left, cmp ? undefined : want);
    const b = this.ex(node.right, a.t);
    if (cmp) {
      const eq = op === K.EqualsEqualsToken || op === K.ExclamationEqualsToken || op === K.EqualsEqualsEqualsToken || op === K.ExclamationEqualsEqualsToken;
      let t = a.lit && !b.lit ? b.t : b.lit && !a.lit ? a.t : common(a.t, b.t, !eq);
      if (!t) this.fail(node, `${a.t} ${ts.tokenToString(op)} ${b.t} (asc refuses it)`);
      const A = this.conv(a, t, false, node.left), B = this.conv(b, t, false, node.right);
      const jsop = op === K.EqualsEqualsToken ? K.EqualsEqualsEqualsToken : op === K.ExclamationEqualsToken ? K.ExclamationEqualsEqualsToken : op;
      const why = 'compared';
      const Ae = A.r ? this.need(A, 'exact', node.left, why) : A.e;
      const Be = B.r ? this.need(B, 'exact', node.right, why) : B.e;
      return { e: f.createBinaryExpression(clarify(Ae), jsop, clarify(Be)), t: 'bool' };
    }
    if (shift) {
      if (!isInt(a.t) || is64(a.t)) this.fail(node, `${ts.tokenToString(op)} on ${a.t}`);
      const t = a.lit ? 'i32' : a.t;
      const A = this.conv(a, t, false, node.left);
      const B = this.conv(b, isInt(b.t) && !is64(b.t) ? b.t : t, false, node.right);
      if (size(t) < 32) this.fail(node, `shifts on ${t} are not supported`);
      const Ae = this.operand(A, 53, node.left).e, Be = this.operand(B, 53, node.right).e;
      const count = b.konst !== undefined ? b.konst & 31 : undefined;
      if (op === K.LessThanLessThanToken) {
        return { e: f.createBinaryExpression(Ae, op, Be), t, r: bitwiseRep(t, 32, count !== undefined ? Math.min(CAP_AL, A.r.al * 2 ** count) : A.r.al) };
      }
      let jsop = op;
      if (op === K.GreaterThanGreaterThanToken && !signed(t)) {
        this.note(node, `>> on ${t} is a logical shift in asc: the generator wrote >>> — write >>> here in assembly/`);
        jsop = K.GreaterThanGreaterThanGreaterThanToken;
      }
      const logical = jsop === K.GreaterThanGreaterThanGreaterThanToken;
      // A logical shift by at least 1 leaves a value below 2^31: exact for either signedness.
      const canon = logical ? !signed(t) || (count !== undefined && count > 0) : signed(t);
      return { e: f.createBinaryExpression(Ae, jsop, Be), t, r: { canon, bits: 32, float: false, decl: false, al: 1 } };
    }
    // Arithmetic and bitwise: asc converts both sides to their common type.
    let t = a.lit && !b.lit ? common(b.t, a.t, false) ?? b.t : common(a.t, b.t, false);
    if (!t) this.fail(node, `${a.t} ${ts.tokenToString(op)} ${b.t}`);
    if (a.lit && !b.lit && isInt(b.t) && isInt(t)) t = b.t;
    const A = this.conv(a, t, false, node.left), B = this.conv(b, t, false, node.right);
    if (isFloat(t)) {
      if (![K.PlusToken, K.MinusToken, K.AsteriskToken, K.SlashToken, K.PercentToken].includes(op)) this.fail(node, `${ts.tokenToString(op)} on ${t}`);
      return { e: f.createBinaryExpression(A.e, op, B.e), t };
    }
    if (isBool(t)) this.fail(node, `${ts.tokenToString(op)} on bool`);
    const kA = konst(a), kB = konst(b);
    switch (op) {
      case K.PlusToken:
      case K.MinusToken: {
        if (is64(t)) {
          const x = this.canonIf(A), y = this.canonIf(B);
          return { e: f.createBinaryExpression(x.e, op, y.e), t, r: { ...canonRep(t, Math.min(x.r.al, y.r.al)) } };
        }
        const x = this.operand(A, 52, node.left), y = this.operand(B, 52, node.right);
        return { e: f.createBinaryExpression(clarify(x.e), op, clarify(y.e)), t, r: { canon: false, bits: Math.max(x.r.bits, y.r.bits) + 1, float: false, decl: false, al: Math.min(x.r.al, y.r.al) } };
      }
      case K.AsteriskToken: {
        if (is64(t)) {
          const x = this.canonIf(A), y = this.canonIf(B);
          return { e: f.createBinaryExpression(x.e, op, y.e), t, r: canonRep(t, Math.min(CAP_AL, x.r.al * y.r.al)) };
        }
        const al = Math.min(CAP_AL, A.r.al * B.r.al);
        const small = (k) => k !== undefined && Math.abs(k) < 2 ** 21;
        if (small(kA) || small(kB)) {
          const [x, k] = small(kB) ? [A, kB] : [B, kA];
          const xx = this.operand(x, 32, node);
          const bits = xx.r.bits + Math.ceil(Math.log2(Math.abs(k) + 1));
          const [l, r] = small(kB) ? [xx.e, B.e] : [A.e, xx.e];
          return { e: f.createBinaryExpression(l, op, r), t, r: { canon: false, bits, float: false, decl: false, al } };
        }
        const x = this.operand(A, 53, node.left), y = this.operand(B, 53, node.right);
        return { e: call('Math', 'imul', [x.e, y.e]), t, r: { canon: signed(t), bits: 32, float: false, decl: false, al } };
      }
      case K.SlashToken:
      case K.PercentToken: {
        const why = op === K.SlashToken ? 'divided' : 'a remainder';
        const x = this.need(A, 'exact', node.left, why), y = this.need(B, 'exact', node.right, why);
        const q = f.createBinaryExpression(x, op, y);
        if (op === K.PercentToken) return { e: q, t, r: canonRep(t) };
        if (is64(t)) {
          if (signed(t)) this.fail(node, 'i64 division is not supported');
          return { e: call('Math', 'floor', [q]), t, r: canonRep(t) };
        }
        return { e: coerce(q, t), t, r: canonRep(t) };
      }
      case K.AmpersandToken:
      case K.BarToken:
      case K.CaretToken: {
        if (is64(t)) this.fail(node, `${ts.tokenToString(op)} on ${t} is not supported`);
        const x = this.operand(A, 53, node.left), y = this.operand(B, 53, node.right);
        // x & c with 0 <= c < 2^31 is exact whatever x was.
        const mask = op === K.AmpersandToken ? [kA, kB].find((k) => k !== undefined && k >= 0 && k < 2 ** 31) : undefined;
        const al = op === K.AmpersandToken ? Math.max(x.r.al, y.r.al) : Math.min(x.r.al, y.r.al);
        if (mask !== undefined) return { e: f.createBinaryExpression(x.e, op, y.e), t, r: { canon: true, bits: Math.max(1, Math.ceil(Math.log2(mask + 1))), float: false, decl: false, al } };
        return { e: f.createBinaryExpression(x.e, op, y.e), t, r: bitwiseRep(t, 32, al) };
      }
    }
    this.fail(node, `operator ${ts.tokenToString(op)} is not supported`);
  }
  canonIf(v) {
    return v.r.float ? this.canon(v) : v;
  }

  assign(node, op, discarded) {
    if (!ts.isIdentifier(node.left)) this.fail(node, 'only locals are assigned (memory goes through store<T>)');
    const local = this.lookup(node.left.text);
    if (!local) this.fail(node, `${node.left.text} is not a local`);
    if (!discarded) this.fail(node, 'the value of an assignment is not supported (use it as a statement)');
    const target = this.ident(node.left);
    let v;
    if (op === K.EqualsToken) v = this.conv(this.ex(node.right, local.type), local.type, false, node.right);
    else {
      // x op= y is x = x op y (converted back to x's type).
      v = this.conv(this.binaryOf(node, compoundOp(op), local.type), local.type, false, node);
    }
    this.def(local.key);
    if (v.r) this.flow(local.key, v.r);
    // Print x op= y when the translation is exactly x (op) y.
    if (op !== K.EqualsToken && ts.isBinaryExpression(v.e) && ts.isIdentifier(v.e.left) && v.e.left.text === local.name) {
      const back = COMPOUND_OF[v.e.operatorToken.kind];
      if (back) return { e: f.createBinaryExpression(f.createIdentifier(local.name), back, v.e.right), t: local.type, r: v.r };
    }
    return { e: f.createAssignment(f.createIdentifier(local.name), v.e), t: local.type, r: v.r };
  }
  /** A synthetic x op y for a compound assignment, typed like a source binary expression. */
  binaryOf(node, op, type) {
    const fake = { kind: K.BinaryExpression, left: node.left, right: node.right, operatorToken: { kind: op }, getStart: (sf) => node.getStart(sf), getText: (sf) => node.getText(sf) };
    return this.binary(fake, type, false);
  }

  call(node, want, discarded) {
    const callee = node.expression;
    const args = node.arguments;
    const targs = node.typeArguments?.map((t) => asType(t, this.cur.sf)) ?? [];
    if (ts.isIdentifier(callee)) {
      const name = callee.text;
      if (name === 'load') return this.load(node, targs, args);
      if (name === 'store') return this.store(node, targs, args, discarded);
      const fn = this.fns.get(name);
      if (!fn) this.fail(node, `unknown function ${name} (the generator knows load, store, atomic.*, memory.fill, Math.* and the functions of assembly/)`);
      if (targs.length) this.fail(node, 'type arguments on a call of a function of assembly/');
      if (args.length !== fn.params.length) this.fail(node, `${name} takes ${fn.params.length} arguments`);
      const es = args.map((a, i) => {
        const p = fn.params[i];
        const v = this.conv(this.ex(a, p.type), p.type, false, a);
        if (!v.r) return v.e;
        if (fn.public) return this.need(v, 'exact', a, `passed to ${name}, a public function`);
        this.flow(`${name}(${p.name}`, v.r);
        return v.e;
      });
      const r = isInt(fn.ret) ? (fn.public ? canonRep(fn.ret) : this.rep(`${name})`, fn.ret)) : undefined;
      return { e: f.createCallExpression(f.createPropertyAccessExpression(f.createThis(), name), undefined, es), t: fn.ret, r };
    }
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
      const ns = callee.expression.text, m = callee.name.text;
      if (ns === 'atomic') return this.atomic(node, m, targs, args, discarded);
      if (ns === 'memory' && m === 'fill') {
        if (args.length !== 3) this.fail(node, 'memory.fill(dst, value, n)');
        const dst = this.conv(this.ex(args[0], 'usize'), 'usize', false, args[0]);
        const val = this.conv(this.ex(args[1], 'u8'), 'u8', false, args[1]);
        const n = this.conv(this.ex(args[2], 'usize'), 'usize', false, args[2]);
        this.allViews.add('u8');
        this.allViews.add('u32');
        this.usedFill = true;
        const es = [this.need(dst, 'exact', args[0], 'a byte address'), this.need(val, 'exact', args[1], 'the fill byte'), this.need(n, 'exact', args[2], 'a byte count')];
        return { e: f.createCallExpression(f.createPropertyAccessExpression(f.createThis(), 'memoryFill'), undefined, es), t: 'void' };
      }
      if (ns === 'Math' && ['floor', 'ceil', 'trunc', 'sqrt', 'abs', 'min', 'max'].includes(m)) {
        const arity = m === 'min' || m === 'max' ? 2 : 1;
        if (args.length !== arity) this.fail(node, `Math.${m} takes ${arity} argument(s)`);
        const es = args.map((a) => this.conv(this.ex(a, 'f64'), 'f64', false, a).e);
        return { e: call('Math', m, es), t: 'f64' };
      }
    }
    this.fail(node, `call of ${callee.getText(this.cur.sf)} is not supported`);
  }

  /** view[(addr) >>> s]: records the access and proves its alignment. */
  index(node, type, addrNode, offNode) {
    if (!VIEWS[type]) this.fail(node, `memory access of type ${type} is not supported`);
    const [view, , shift] = VIEWS[type];
    let a = this.conv(this.ex(addrNode, 'usize'), 'usize', false, addrNode);
    if (offNode) {
      const o = this.conv(this.ex(offNode, 'usize'), 'usize', false, offNode);
      a = { e: f.createBinaryExpression(a.e, K.PlusToken, o.e), t: 'usize', r: { ...a.r, canon: false, bits: Math.max(a.r.bits, o.r.bits) + 1, al: Math.min(a.r.al, o.r.al) } };
    }
    const width = 1 << shift;
    if (a.r.al < width) {
      this.fail(node, `cannot prove this ${type} access ${width}-byte aligned (alignment known: ${a.r.al}); ` +
        `addresses are sums of aligned pointers, strides and layout offsets`);
    }
    this.accesses.push({ at: this.where(node), type, width, consts: addrConsts(addrNode, this.layout), align: a.r.al });
    this.views.add(view);
    let idx;
    if (shift === 0) idx = this.need(a, 'exact', addrNode, 'a byte index');
    else idx = f.createBinaryExpression(paren(this.operand(a, 53, addrNode).e), K.GreaterThanGreaterThanGreaterThanToken, num(shift));
    return { view, idx };
  }

  load(node, targs, args) {
    if (targs.length !== 1 || args.length < 1 || args.length > 2) this.fail(node, 'load<T>(ptr[, immOffset])');
    const t = targs[0];
    const { view, idx } = this.index(node, t, args[0], args[1]);
    // A header word that holds a region offset or the ring stride: ALIGN-aligned (arena.ts).
    let a = args[0];
    while (ts.isParenthesizedExpression(a)) a = a.expression;
    const aligned = args.length === 1 && ts.isBinaryExpression(a) && a.operatorToken.kind === K.PlusToken && ts.isIdentifier(a.right) && ALIGNED_HEADER_WORDS.includes(a.right.text) && ts.isIdentifier(a.left) && ALIGNED_PARAMS.includes(a.left.text);
    return { e: f.createElementAccessExpression(f.createIdentifier(view), idx), t, r: isInt(t) ? canonRep(t, aligned ? this.layout.get('ALIGN') : 1) : undefined };
  }

  store(node, targs, args, discarded) {
    if (targs.length !== 1 || args.length < 2 || args.length > 3) this.fail(node, 'store<T>(ptr, value[, immOffset])');
    if (!discarded) this.fail(node, 'store used as a value');
    const t = targs[0];
    const { view, idx } = this.index(node, t, args[0], args[2]);
    const v = this.conv(this.ex(args[1], t), t, false, args[1]);
    const target = f.createElementAccessExpression(f.createIdentifier(view), idx);
    let value = v.r ? this.operand(v, 53, args[1]).e : v.e; // the view wraps it
    if (isBool(t)) value = boolToNum(value);
    // store(p, load(p) op x) prints as view[i] op= x.
    const printed = printExpr(idx);
    if (ts.isBinaryExpression(value) && COMPOUND_OF[value.operatorToken.kind] && ts.isElementAccessExpression(value.left) && value.left.expression.text === view && printExpr(value.left.argumentExpression) === printed) {
      const right = value.right;
      if (ts.isNumericLiteral(right) && right.text === '1' && (value.operatorToken.kind === K.PlusToken || value.operatorToken.kind === K.MinusToken)) {
        return { e: f.createPostfixUnaryExpression(target, value.operatorToken.kind === K.PlusToken ? K.PlusPlusToken : K.MinusMinusToken), t: 'void' };
      }
      return { e: f.createBinaryExpression(target, COMPOUND_OF[value.operatorToken.kind], right), t: 'void' };
    }
    return { e: f.createAssignment(target, value), t: 'void' };
  }

  atomic(node, m, targs, args, discarded) {
    if (m === 'fence') {
      if (args.length) this.fail(node, 'atomic.fence()');
      this.views.add('i32');
      return { e: f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Atomics'), 'add'), undefined, [f.createIdentifier('i32'), num(0), num(0)]), t: 'void' };
    }
    const ops = { load: ['load', 1], store: ['store', 2], add: ['add', 2], sub: ['sub', 2], and: ['and', 2], or: ['or', 2], xor: ['xor', 2], xchg: ['exchange', 2], cmpxchg: ['compareExchange', 3], notify: ['notify', 2] };
    if (!ops[m]) this.fail(node, `atomic.${m} is not supported`);
    const [jsName, arity] = ops[m];
    let t = targs[0];
    if (m === 'notify') {
      if (targs.length) this.fail(node, 'atomic.notify takes no type argument');
      t = 'i32';
    } else if (targs.length !== 1) this.fail(node, `atomic.${m}<T>(...)`);
    if (!isInt(t) || is64(t) || size(t) !== 32) this.fail(node, `atomic.${m}<${t}>: only 32-bit integer atomics are supported`);
    if (args.length !== arity && !(args.length === arity + 1 && m !== 'notify')) this.fail(node, `atomic.${m} takes ${arity} argument(s)`);
    const { view, idx } = this.index(node, m === 'notify' ? 'i32' : t, args[0], args.length > arity ? args[arity] : undefined);
    const rest = args.slice(1, arity).map((a) => {
      const v = this.conv(this.ex(a, m === 'notify' ? 'i32' : t), m === 'notify' ? 'i32' : t, false, a);
      return m === 'notify' ? this.need(v, 'exact', a, 'a count') : this.operand(v, 53, a).e;
    });
    const e = f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Atomics'), jsName), undefined, [f.createIdentifier(view), idx, ...rest]);
    if (m === 'store') return { e, t: 'void' };
    return { e, t: m === 'notify' ? 'i32' : t, r: canonRep(m === 'notify' ? 'i32' : t) };
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────
const COMPOUND = {
  [K.PlusEqualsToken]: K.PlusToken, [K.MinusEqualsToken]: K.MinusToken, [K.AsteriskEqualsToken]: K.AsteriskToken,
  [K.SlashEqualsToken]: K.SlashToken, [K.PercentEqualsToken]: K.PercentToken, [K.AmpersandEqualsToken]: K.AmpersandToken,
  [K.BarEqualsToken]: K.BarToken, [K.CaretEqualsToken]: K.CaretToken, [K.LessThanLessThanEqualsToken]: K.LessThanLessThanToken,
  [K.GreaterThanGreaterThanEqualsToken]: K.GreaterThanGreaterThanToken, [K.GreaterThanGreaterThanGreaterThanEqualsToken]: K.GreaterThanGreaterThanGreaterThanToken,
};
const COMPOUND_OF = {
  [K.PlusToken]: K.PlusEqualsToken, [K.MinusToken]: K.MinusEqualsToken, [K.AsteriskToken]: K.AsteriskEqualsToken,
  [K.SlashToken]: K.SlashEqualsToken, [K.AmpersandToken]: K.AmpersandEqualsToken, [K.BarToken]: K.BarEqualsToken,
  [K.CaretToken]: K.CaretEqualsToken, [K.LessThanLessThanToken]: K.LessThanLessThanEqualsToken,
  [K.GreaterThanGreaterThanToken]: K.GreaterThanGreaterThanEqualsToken, [K.GreaterThanGreaterThanGreaterThanToken]: K.GreaterThanGreaterThanGreaterThanEqualsToken,
};
const isCompound = (op) => op in COMPOUND;
const compoundOp = (op) => COMPOUND[op];

function num(v) {
  return v < 0 ? f.createPrefixMinus(f.createNumericLiteral(-v)) : f.createNumericLiteral(v);
}
/** Parentheses around a bitwise or shift operand of an arithmetic or comparison operator (clarity). */
function clarify(e) {
  const bitwise = [K.BarToken, K.AmpersandToken, K.CaretToken, K.LessThanLessThanToken, K.GreaterThanGreaterThanToken, K.GreaterThanGreaterThanGreaterThanToken];
  return ts.isBinaryExpression(e) && bitwise.includes(e.operatorToken.kind) ? f.createParenthesizedExpression(e) : e;
}
function paren(e) {
  return ts.isBinaryExpression(e) || ts.isConditionalExpression(e) ? f.createParenthesizedExpression(e) : e;
}
function call(obj, m, args) {
  return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(obj), m), undefined, args);
}
function boolToNum(e) {
  return f.createParenthesizedExpression(f.createConditionalExpression(e, undefined, num(1), undefined, num(0)));
}
function coercionText(t) {
  return { i32: '| 0', isize: '| 0', u32: '>>> 0', usize: '>>> 0', u8: '& 255', u16: '& 0xffff', i8: '<< 24 >> 24', i16: '<< 16 >> 16' }[t] ?? 'Math.trunc';
}
/** The JS that makes an integer carried mod 2^32 exact for type t. */
function coerce(e, t) {
  const p = paren(e);
  switch (t) {
    case 'i32':
    case 'isize':
      return f.createBinaryExpression(p, K.BarToken, num(0));
    case 'u32':
    case 'usize':
      return f.createBinaryExpression(p, K.GreaterThanGreaterThanGreaterThanToken, num(0));
    case 'u8':
      return f.createBinaryExpression(p, K.AmpersandToken, num(255));
    case 'u16':
      return f.createBinaryExpression(p, K.AmpersandToken, f.createNumericLiteral('0xffff'));
    case 'i8':
    case 'i16': {
      const s = t === 'i8' ? 24 : 16;
      return f.createBinaryExpression(f.createBinaryExpression(p, K.LessThanLessThanToken, num(s)), K.GreaterThanGreaterThanToken, num(s));
    }
  }
  throw new GenError(`no coercion to ${t}`);
}
function bitwiseRep(t, bits, al) {
  return { canon: signed(t), bits, float: false, decl: false, al };
}
function konst(v) {
  return v.konst;
}
/** The representation of a known integer value as type t. */
function foldRep(value, t) {
  const lo = signed(t) ? -(2 ** (size(t) - 1)) : 0;
  const hi = signed(t) ? 2 ** (size(t) - 1) : 2 ** size(t);
  const canon = value >= lo && value < hi;
  return { canon, bits: canon ? canonBits(t) : 53, float: false, decl: false, al: lowbit(Math.abs(value)) };
}
function tsType(t) {
  if (t === 'void') return f.createKeywordTypeNode(K.VoidKeyword);
  if (t === 'bool') return f.createKeywordTypeNode(K.BooleanKeyword);
  return f.createKeywordTypeNode(K.NumberKeyword);
}
/** Layout constants added at the top level of an address (its constant offsets). */
function addrConsts(node, layout) {
  const out = [];
  const walk = (n) => {
    while (ts.isParenthesizedExpression(n)) n = n.expression;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === K.PlusToken) {
      walk(n.left);
      walk(n.right);
    } else if (ts.isIdentifier(n) && layout.has(n.text)) out.push({ name: n.text, value: layout.get(n.text) });
    else if (ts.isNumericLiteral(n)) out.push({ name: n.text, value: Number(n.text) });
  };
  walk(node);
  return out;
}

const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: false });
const scratch = ts.createSourceFile('gen.ts', '', ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
function printExpr(e) {
  return printer.printNode(ts.EmitHint.Expression, e, scratch);
}

/** Copies a source node's comments (not asc's `@ts-ignore: decorator`) onto a generated node. */
function copyComments(from, to, sf, seen) {
  const text = sf.text;
  const fresh = (c) => !seen.has(`${sf.fileName}:${c.pos}`) && seen.add(`${sf.fileName}:${c.pos}`);
  for (const c of ts.getLeadingCommentRanges(text, from.getFullStart()) ?? []) {
    if (!fresh(c)) continue;
    const raw = text.slice(c.pos, c.end);
    if (/@ts-ignore/.test(raw)) continue;
    if (c.kind === K.SingleLineCommentTrivia) ts.addSyntheticLeadingComment(to, c.kind, raw.slice(2), true);
    else {
      const body = raw.slice(2, -2).split('\n').map((l, i) => (i === 0 ? l : ' ' + l.trim())).join('\n');
      ts.addSyntheticLeadingComment(to, c.kind, body, true);
    }
  }
  for (const c of ts.getTrailingCommentRanges(text, from.getEnd()) ?? []) {
    if (!fresh(c)) continue;
    const raw = text.slice(c.pos, c.end);
    if (c.kind === K.SingleLineCommentTrivia) ts.addSyntheticTrailingComment(to, c.kind, raw.slice(2), false);
  }
}

/** Printer output is indented by 4; the repository indents by 2. */
function reindent(s, by) {
  return s
    .split('\n')
    .map((l) => {
      if (!l.trim()) return '';
      const m = /^ */.exec(l)[0].length;
      return ' '.repeat(by + Math.floor(m / 4) * 2 + (m % 4)) + l.slice(m);
    })
    .join('\n');
}

function wrapList(prefix, names, suffix) {
  const lines = [];
  let line = '  ';
  for (const n of names) {
    const add = `${n}, `;
    if (line.length + add.length > 100) {
      lines.push(line.trimEnd());
      line = '  ';
    }
    line += add;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return `${prefix}\n${lines.join('\n')}\n${suffix}`;
}

const FILL = `
/**
 * memory.fill(at, byte, len) over the arena (support code of the generator, not from assembly/):
 * the unaligned head and tail byte by byte, the aligned middle as 32-bit words (V8's
 * TypedArray.prototype.fill costs per element on a SharedArrayBuffer, so a quarter of the
 * elements is the speed). Same bytes as a byte fill.
 */
private memoryFill(at: number, byte: number, len: number): void {
  const u8 = this.u8;
  const end = at + len;
  let i = at;
  while (i < end && i & 3) u8[i++] = byte;
  const last = end - (end & 3); // not end & ~3: exact above 2^31 too
  if (last > i) {
    this.u32.fill(Math.imul(byte, 0x01010101) >>> 0, i >>> 2, last >>> 2);
    i = last;
  }
  while (i < end) u8[i++] = byte;
}`;

function print(out, fns, layout) {
  const views = out.views;
  const bodies = out.methods.map((m) => ({ file: m.fn.file, text: reindent(printer.printNode(ts.EmitHint.Unspecified, m.node, scratch), 2) }));
  const viewList = VIEW_ORDER.filter((v) => views.has(v));
  const consts = [...out.usedConsts].sort((a, b) => [...layout.keys()].indexOf(a) - [...layout.keys()].indexOf(b));
  const sources = [...new Set(out.methods.map((m) => m.fn.file))];
  const lines = [];
  lines.push(`/**
 * generated from assembly/ by ${GENERATOR}; do not edit.
 *
 * The ts backend: the core of assembly/ (${sources.map((f) => f.replace('assembly/', '')).join(', ')}), its one source, translated to
 * plain TypeScript over the same arena bytes, function by function: typed-array views made once,
 * no allocation per call. \`npm run gen:core\` writes this file (build:ts runs it before tsc) and
 * test/gen-core.test.ts fails when it differs from what the generator makes.
 *
 * Translation: load<T>(p) / store<T>(p, v) index a view by (p) >>> log2(width) (every access is
 * proved aligned by the generator); atomic.* are Atomics.*; a 32-bit integer is carried as a JS
 * integer congruent to it modulo 2^32 and made exact (| 0 for i32, >>> 0 for u32) where its value
 * matters; >> on an unsigned type is >>>; integer * is Math.imul unless a constant is small;
 * integer / truncates; memory.fill is memoryFill (32-bit words).
 * Assumptions: ++ and -- on an integer local never wrap; u64 values stay below 2^53; callers
 * pass in-range arguments (as to the wasm exports); the arena base and the region offsets in the
 * header are ALIGN-aligned (arena.ts).
 */`);
  lines.push(`import type { Core } from './core.js';`);
  if (consts.length) lines.push(wrapList('import {', consts, `} from './layout.js';`));
  lines.push('');
  lines.push(`export class TsCore implements Core {`);
  lines.push(`  readonly backend = 'ts' as const;`);
  for (const v of viewList) lines.push(`  private readonly ${v}: ${VIEW_CTOR[v]};`);
  lines.push('');
  lines.push(`  constructor(buffer: ArrayBufferLike) {`);
  for (const v of viewList) lines.push(`    this.${v} = new ${VIEW_CTOR[v]}(buffer);`);
  lines.push(`  }`);
  let file;
  for (const b of bodies) {
    if (b.file !== file) {
      file = b.file;
      lines.push('');
      lines.push(`  // ── ${file} ${'─'.repeat(Math.max(4, 91 - file.length))}`);
    }
    lines.push('');
    lines.push(b.text);
  }
  if (out.usedFill) {
    lines.push('');
    lines.push(`  // ── support (not from assembly/) ${'─'.repeat(63)}`);
    lines.push('');
    lines.push(FILL.trim().split('\n').map((l) => (l ? '  ' + l : l)).join('\n'));
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

// ── command line ─────────────────────────────────────────────────────────────────────────────
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = new Set(process.argv.slice(2));
  for (const a of args) if (!['--check', '--strict'].includes(a)) {
    process.stderr.write(`gen-ts-core: unknown flag ${a} (flags: --check, --strict)\n`);
    process.exit(2);
  }
  let res;
  try {
    res = generate();
  } catch (e) {
    if (e instanceof GenError) {
      process.stderr.write(`gen-ts-core: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  for (const n of res.notes) process.stderr.write(`gen-ts-core: note: ${n.at}: ${n.message}\n`);
  if (args.has('--strict') && res.notes.length) {
    process.stderr.write(`gen-ts-core: ${res.notes.length} note(s) with --strict\n`);
    process.exit(1);
  }
  const path = join(ROOT, OUTPUT);
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {}
  if (args.has('--check')) {
    if (old !== res.text) {
      process.stderr.write(`gen-ts-core: ${OUTPUT} differs from what ${GENERATOR} makes; run npm run gen:core\n`);
      process.exit(1);
    }
  } else if (old !== res.text) {
    writeFileSync(path, res.text);
    process.stderr.write(`gen-ts-core: wrote ${OUTPUT} (${res.functions.length} functions)\n`);
  }
}
