/*
 * report_html.h - `xsim run --report DIR`: one self-contained HTML page per
 * scenario and seed (inline CSS and SVG, no external assets, no scripts),
 * with a header (scenario, file, seed, verdict, expectation, durations, the
 * replay command line), the failures, the SVG timeline (report_svg.h) and
 * the timeline as a table; and DIR/index.html linking every page with its
 * verdict.  Pages are written by whichever process ran the job (a worker
 * under -j); the index by the parent at the end.
 */
#ifndef XS_REPORT_HTML_H
#define XS_REPORT_HTML_H

#include <stddef.h>

#include "report_data.h"
#include "run_report.h"

#define XS_REP_PAGE_NAME_MAX 512

/* Creates DIR (and its parents) when missing; 0 or -1 with a message. */
int xs_rep_prepare(const char *dir);

/* The page's file name in DIR: "<file's base name>-seed<N>.html", with
 * "-<file index>" added when two files share a base name. */
void xs_rep_page_name(const xs_run *r, int job, char *buf, size_t len);

/* Writes job's page from its result and what was gathered (d may be NULL
 * when nothing could be: the page then has no timeline).  0 or -1. */
int xs_rep_page_write(const xs_run *r, int job, const xs_rep_data *d);

/* Writes DIR/index.html.  0 or -1. */
int xs_rep_index_write(const xs_run *r);

#endif /* XS_REPORT_HTML_H */
