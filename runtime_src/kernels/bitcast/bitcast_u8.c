/* bitcast.u8: the u8 input's bytes as the output's dtype (shared/bitcast.h) */
#include "../shared/bitcast.h"

SELRT_BITCAST(bitcast, u8, SELRT_U8);
