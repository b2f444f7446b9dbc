/* bitcast.i8: the i8 input's bytes as the output's dtype (shared/bitcast.h) */
#include "../shared/bitcast.h"

SELRT_BITCAST(bitcast, i8, SELRT_I8);
