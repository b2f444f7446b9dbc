/* bitcast.i64: the i64 input's bytes as the output's dtype (shared/bitcast.h) */
#include "../shared/bitcast.h"

SELRT_BITCAST(bitcast, i64, SELRT_I64);
