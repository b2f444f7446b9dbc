/* hard_swish.i8: an int8 -> int8 table lookup. The converter tabulates all 256
 * inputs exactly as TFLite's int8 kernel computes them (see
 * selbuild/convert/ops/q_tables.py), so the device does one load per element. */
#include "../shared/elementwise.h"
#include "../shared/qi8.h"

SELRT_LUT_I8(hard_swish);
