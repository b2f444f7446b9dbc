/* bitcast.i16: the i16 input's bytes as the output's dtype (shared/bitcast.h) */
#include "../shared/bitcast.h"

SELRT_BITCAST(bitcast, i16, SELRT_I16);
