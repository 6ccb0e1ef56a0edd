/*
 * report_svg.h - the SVG timeline of an `xsim run --report` page: on one
 * time axis, the link state between each pair of sites (up, down, one-way),
 * each site's Data Grid up or down, each site's x-site status per cache and
 * backup with its push-state status, entry counts per site, client errors,
 * procedure steps and checks as markers (the command line in a <title>),
 * faults and other statements, and notable event-log records.  Colours come
 * from the page's CSS (classes named in report_html.c); every text is escaped.
 */
#ifndef XS_REPORT_SVG_H
#define XS_REPORT_SVG_H

#include <stdio.h>

#include "report_data.h"

#define XS_REP_SVG_WIDTH 1360     /* pixels; the page scrolls sideways when narrower */

/* Writes s escaped for HTML/SVG text and attribute values (& < > " ' and
 * control bytes). */
void xs_rep_escape(FILE *f, const char *s);

/* Writes the <svg> element. */
void xs_rep_svg(FILE *f, const xs_rep_data *d);

#endif /* XS_REPORT_SVG_H */
