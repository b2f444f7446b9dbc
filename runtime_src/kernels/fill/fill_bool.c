/* fill.bool: every element = the one-element value input (the dims operand is the output's shape; shared/movers.h) */
#include "../shared/movers.h"

SELRT_FILL(fill, bool, uint8_t, SELRT_BOOL);
