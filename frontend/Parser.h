// The attn parser: a model file's tokens (Lexer.h) to its syntax tree (AST.h).
// Recursive descent over this grammar (language.md is the contract):
//
//   file      := NL* 'model' NAME NL decl*
//   decl      := 'let' NAME '=' expr NL
//              | 'dim' NAME (',' NAME)* NL
//              | 'layer' DOTTED '=' DOTTED '(' args ')' NL
//              | 'param' DOTTED ':' type NL
//              | 'fn' NAME '(' [typed (',' typed)* ','?] ')'
//                     '->' ( '(' [typed (',' typed)* ','?] ')' | typed )
//                     '{' stmt* '}' NL
//   typed     := NAME ':' type
//   type      := DTYPE [ '[' [expr (',' expr)* ','?] ']' ]
//   stmt      := target (',' target)* '=' expr (NL | before '}')
//              | 'return' [expr (',' expr)*] (NL | before '}')
//   target    := NAME | '(' target (',' target)* ','? ')'
//   expr      := or [('==' | '!=' | '<' | '<=' | '>' | '>=') or]   not chained
//   or        := and ('|' and)*                    left-associative
//   and       := sum ('&' sum)*                    left-associative
//   sum       := term (('+' | '-') term)*          left-associative
//   term      := unary (('*' | '/' | '@') unary)*  left-associative
//   unary     := '-' unary | '~' unary | postfix
//   postfix   := primary ( '.' NAME '(' args ')' | '[' sub (',' sub)* ','? ']' )*
//   sub       := '...' | expr | [expr] ':' [expr] [':' [expr]]
//   primary   := INT | FLOAT | STRING | 'true' | 'false'
//              | DOTTED [ '(' args ')' ] | '(' expr ')' | '(' expr ',' [expr (',' expr)* ','?] ')'
//              | '[' [expr (',' expr)* ','?] ']'
//
// Precedence is Python's: `a != b & c` is `a != (b & c)`, as in PyTorch code.
//   args      := [arg (',' arg)* ','?]    positional arguments before keyword ones
//   arg       := NAME '=' expr | expr
//
// NL is a newline token; blank and comment-only lines may appear wherever a
// declaration or statement may start. Newlines are whitespace inside ( ) and
// [ ], and in a fn header from 'fn' to '{'. Only layer and param names, and
// the names used in expressions, may be dotted (NAME is undotted).
//
// Locations: a declaration's `loc` (and Program::modelLoc) is its name's;
// ReturnStmt::loc is the `return` keyword; a Binary expression's is its
// operator; a Call's its callee; a Method's its name; a List's and an Index's
// their '['; a Tuple's its first element; a parenthesised expression has no
// node of its own. A '-' written directly before a numeric literal is
// folded into it (`-1` is Integer -1 located at the '-'), so that axes and
// reshape sizes read as literals; any other operand gives a Negate node.
//
// Limits: nesting of ( ) [ ] calls and unary minus deeper than 200, or an
// expression tree taller than 1000 (a chain of binary operators), is an error
// rather than a risk of stack overflow here or in later recursive passes.
#pragma once

#include "frontend/AST.h"
#include "frontend/Diagnostics.h"

#include <llvm/Support/SourceMgr.h>

#include <memory>

namespace attn::frontend {

/// Parses the main buffer of `sm`. On the first syntax error it reports one
/// diagnostic (at most an error and its note) and returns nullptr; on success
/// it reports nothing.
std::unique_ptr<Program> parseProgram(llvm::SourceMgr &sm, Diagnostics &diags);

} // namespace attn::frontend
