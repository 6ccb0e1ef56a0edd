/*
 * test_util.h - helpers shared by the unit tests: building a simulation from
 * a preset, and running one operation or admin call to completion in virtual
 * time so that a test reads like the sequence of calls it checks.
 */
#ifndef XS_TEST_UTIL_H
#define XS_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "xsim.h"

#endif /* XS_TEST_UTIL_H */
