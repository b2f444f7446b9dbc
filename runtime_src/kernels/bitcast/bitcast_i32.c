/* bitcast.i32: the i32 input's bytes as the output's dtype (shared/bitcast.h) */
#include "../shared/bitcast.h"

SELRT_BITCAST(bitcast, i32, SELRT_I32);
