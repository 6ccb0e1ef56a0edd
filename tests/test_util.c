/* test_util.c - helpers shared by the unit tests (see test_util.h). */
#include "test_util.h"
