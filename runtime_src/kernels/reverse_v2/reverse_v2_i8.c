/* reverse_v2.i8: a negative-stride view of the int8 input (shared/movers.h) */
#include "../shared/movers.h"

SELRT_VIEW(reverse_v2, i8, int8_t, SELRT_I8);
