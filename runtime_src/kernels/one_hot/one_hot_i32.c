/* one_hot.i32: on where the index equals the depth position, off elsewhere (shared/movers.h) */
#include "../shared/movers.h"

SELRT_ONEHOT(one_hot, i32, int32_t, SELRT_I32);
