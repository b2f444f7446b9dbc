/* relu_0_to_1.i8: an int8 -> int8 table lookup (selbuild/convert/ops/q_tables.py), like relu_n1_to_1.i8 */
#include "../shared/elementwise.h"
#include "../shared/qi8.h"

SELRT_LUT_I8(relu_0_to_1);
