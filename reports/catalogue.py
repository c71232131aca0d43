"""Every analysis, in the order the reports' index lists them."""

from reports.composition import GRADE_CATEGORY, PRODUCT_COMPOSITION, SALES_COMPOSITION

ANALYSES = [
    SALES_COMPOSITION,
    PRODUCT_COMPOSITION,
    GRADE_CATEGORY,
]
