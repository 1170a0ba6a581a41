import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from './support/cli-build.js';

// Every type that appears in the public API (the signatures of what an entry point exports,
// followed through properties, parameters, return types and type arguments) must itself be
// exported by that entry point. Otherwise an app compiled with `declaration: true` cannot write
// the inferred type of, say, a controller method that returns `@ClientInfo()`'s value:
// TS2883 "The inferred type of 'whoami' cannot be named without a reference to ...".

const ENTRY_POINTS = {
  'nest-qsessions': 'lib/index.ts',
  'nest-qsessions/cli': 'lib/cli/index.ts',
  'nest-qsessions/health': 'lib/health/index.ts',
  'nest-qsessions/import': 'lib/import/index.ts',
  'nest-qsessions/migrations': 'lib/typeorm/migrations/index.ts',
};
const LIB = join(ROOT, 'lib');

const config = ts.getParsedCommandLineOfConfigFile(
  join(ROOT, 'tsconfig.build.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  },
)!;
// A barrel that exports the `@ClientInfo()` decorator but not the type of the value it gives: the
// check must report that type (it is how TS2883 happened in an app).
const INCOMPLETE_BARREL = join(ROOT, 'test-output/public-types/incomplete-barrel.ts');
mkdirSync(dirname(INCOMPLETE_BARREL), { recursive: true });
writeFileSync(INCOMPLETE_BARREL, "export { ClientInfo } from '../../lib/decorators/client-info.decorator.js';\n");

const entryFiles = Object.values(ENTRY_POINTS).map((file) => join(ROOT, file));
const program = ts.createProgram([...entryFiles, INCOMPLETE_BARREL], { ...config.options, rootDir: ROOT });
const checker = program.getTypeChecker();

function isInLib(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some((declaration) => {
    const file = declaration.getSourceFile().fileName;
    return !relative(LIB, file).startsWith('..');
  });
}

function resolved(symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** Symbols that declare a named type (what a declaration file must refer to by name). */
function isNamedType(symbol: ts.Symbol): boolean {
  return (
    (symbol.flags &
      (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Enum)) !==
    0
  );
}

function isHidden(property: ts.Symbol): boolean {
  if (property.name.startsWith('#') || property.name.startsWith('__#')) return true; // #private
  const modifiers = ts.getCombinedModifierFlags(
    property.valueDeclaration ?? property.declarations?.[0] ?? ({} as never),
  );
  return (modifiers & ts.ModifierFlags.Private) !== 0;
}

/** Named lib types reachable from the exports of `entryFile` that it does not export, with where each was met. */
function unnamedTypes(entryFile: string): string[] {
  const entry = program.getSourceFile(entryFile)!;
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(entry)!);
  const exported = new Set(exports.map(resolved));
  const visited = new Set<ts.Type>();
  const problems = new Set<string>();

  const visitSignature = (signature: ts.Signature, path: string) => {
    for (const parameter of signature.getParameters()) {
      visit(checker.getTypeOfSymbol(parameter), `${path}(${parameter.name})`);
    }
    for (const typeParameter of signature.getTypeParameters() ?? []) {
      const constraint = typeParameter.getConstraint();
      if (constraint) visit(constraint, `${path}<${typeParameter.symbol.name}>`);
    }
    visit(signature.getReturnType(), `${path}()`);
  };

  const visit = (type: ts.Type, path: string): void => {
    if (visited.has(type)) return;
    visited.add(type);
    for (const symbol of [type.aliasSymbol, type.getSymbol()]) {
      if (symbol && isNamedType(symbol) && isInLib(symbol) && !exported.has(symbol)) {
        const file = relative(ROOT, symbol.declarations![0]!.getSourceFile().fileName);
        problems.add(`${symbol.name} (${file}), met at ${path}`);
      }
    }
    // Types of other packages are theirs to name; only anonymous and own types are followed.
    const own = [type.aliasSymbol, type.getSymbol()].filter((symbol): symbol is ts.Symbol => symbol !== undefined);
    if (own.some((symbol) => !isInLib(symbol) && symbol.declarations?.length)) {
      for (const argument of type.aliasTypeArguments ?? []) visit(argument, `${path}<>`);
      if ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
        for (const argument of checker.getTypeArguments(type as ts.TypeReference)) visit(argument, `${path}<>`);
      }
      return;
    }
    for (const argument of type.aliasTypeArguments ?? []) visit(argument, `${path}<>`);
    if (type.isUnionOrIntersection()) for (const member of type.types) visit(member, path);
    if (type.flags & ts.TypeFlags.Object) {
      if ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
        for (const argument of checker.getTypeArguments(type as ts.TypeReference)) visit(argument, `${path}<>`);
      }
      for (const property of checker.getPropertiesOfType(type)) {
        if (isHidden(property)) continue;
        visit(checker.getTypeOfSymbol(property), `${path}.${property.name}`);
      }
      for (const signature of type.getCallSignatures()) visitSignature(signature, path);
      // Constructors are left out: the exported classes are built by Nest's dependency injection
      // (or by the library itself), never by an app, so their parameters are internal wiring.
      for (const info of checker.getIndexInfosOfType(type)) visit(info.type, `${path}[]`);
    }
  };

  for (const symbol of exports.map(resolved)) {
    const declared = checker.getDeclaredTypeOfSymbol(symbol);
    if (symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
      // Start below the export itself: it is named by definition.
      visited.add(declared);
      for (const property of checker.getPropertiesOfType(declared)) {
        if (!isHidden(property)) visit(checker.getTypeOfSymbol(property), `${symbol.name}.${property.name}`);
      }
      for (const signature of declared.getCallSignatures()) visitSignature(signature, symbol.name);
    } else if (symbol.flags & ts.SymbolFlags.TypeAlias) {
      // An alias of a named type (type ClientInfo = ClientDetails) is written with that type's name.
      visit(declared, symbol.name);
    }
    if (symbol.flags & ts.SymbolFlags.Value) visit(checker.getTypeOfSymbol(symbol), symbol.name);
  }
  return [...problems].sort();
}

describe('public types', () => {
  it('the program compiles (the walk below would be meaningless otherwise)', () => {
    const errors = entryFiles
      .flatMap((file) => ts.getPreEmitDiagnostics(program, program.getSourceFile(file)))
      .filter((d) => d.category === ts.DiagnosticCategory.Error);
    expect(errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });

  it.each(Object.entries(ENTRY_POINTS))('%s exports every type its exports refer to', (_name, file) => {
    expect(unnamedTypes(join(ROOT, file))).toEqual([]);
  });

  it('reports a type that is used but not exported', () => {
    expect(unnamedTypes(INCOMPLETE_BARREL)).toEqual([
      expect.stringMatching(/^ClientDetails \(lib\/session\/client-details\.ts\), met at ClientInfo/),
      'ClientHintBrand (lib/session/client-hints.ts), met at ClientInfo.clientHints.brands<>',
      'ClientHints (lib/session/client-hints.ts), met at ClientInfo.clientHints',
    ]);
  });
});
