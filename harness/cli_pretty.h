/*
 * cli_pretty.h - what the Data Grid CLI prints for a JSON answer:
 * Json.read(body).toPrettyString() of Infinispan's mjson fork
 * (commons/.../dataconversion/internal/Json.java), byte for byte.
 *
 * The rules (reference infinispan-xsite.md 3.4, checked against the 16.0.13
 * source): an object prints "{\n", each member as two spaces per level,
 * "\"key\" : value", members joined by ",\n", then "\n", the closing
 * indentation and "}"; an empty object is "{\n\n}".  An array prints
 * "[ " + elements joined by "," + " ]" ("[  ]" when empty) and keeps its
 * own level for the objects inside it.  A top-level array, string, number,
 * boolean or null prints compact (Json.toString()), so a top-level string
 * keeps its quotes.  Member order is the order of the body (a LinkedHashMap;
 * a repeated key keeps its first position and takes the last value).
 *
 * Numbers print as Java prints the Number the reader made of them: an
 * integer of fewer than 20 digits as a long, a fraction or exponent of
 * fewer than 17 digits as Double.toString() (shortest digits, "1.0E7"
 * style outside [1e-3, 1e7)), anything longer as BigInteger or BigDecimal.
 * Strings are escaped as Json's Escaper does: control characters, U+007F to
 * U+009F, U+2028, U+2029, '"' and '\\'; '/' and other text are left alone.
 *
 * jansson is not used here, although it keeps insertion order, because it
 * cannot give back Java's number text and refuses what mjson's lenient
 * reader accepts (comments, integers of 20 digits and more).
 */
#ifndef XS_CLI_PRETTY_H
#define XS_CLI_PRETTY_H

#include <stddef.h>

#include "buf.h"

#define XS_CLI_JSON_DEPTH_MAX 512 /* nesting the reader follows (Java would overflow its stack) */

/* Appends the pretty form of the JSON text to out.  Returns 0, or XS_EINVAL
 * with the Java exception's message in err (MalformedJsonException's
 * "... at [row,col]", NumberFormatException's "For input string: ...").
 * XS_ENOMEM when memory ran out or out hit its limit. */
int xs_cli_pretty(const char *text, size_t len, xs_buf *out, char *err, size_t errlen);

/* Appends a Java double as Double.toString() prints it (JDK 19+ shortest
 * digits).  Exposed for the tests. */
void xs_cli_java_double(xs_buf *out, double v);

#endif /* XS_CLI_PRETTY_H */
