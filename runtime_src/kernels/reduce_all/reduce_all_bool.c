/* reduce_all.bool: true where every input element over the dims set in axis_mask is (shared/reduce_bool.h). */
#include "../shared/reduce_bool.h"

SELRT_REDUCE_BOOL(reduce_all, ALL);
