/* fill.i32: every element = the one-element value input (the dims operand is the output's shape; shared/movers.h) */
#include "../shared/movers.h"

SELRT_FILL(fill, i32, int32_t, SELRT_I32);
