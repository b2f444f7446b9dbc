/* squeeze.i64: a pure copy into the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_COPY(squeeze, i64, SELRT_I64);
