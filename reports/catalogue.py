"""Every analysis, in the order the reports' index lists them."""

from reports.abc import ABC
from reports.composition import GRADE_CATEGORY, PRODUCT_COMPOSITION, SALES_COMPOSITION
from reports.customer_composition import CUSTOMER_COMPOSITION
from reports.customer_reports import CUSTOMER_BUSINESS, CUSTOMER_SALES
from reports.investigation_costs import INVESTIGATION_COSTS
from reports.trend import TREND

ANALYSES = [
    SALES_COMPOSITION,
    PRODUCT_COMPOSITION,
    GRADE_CATEGORY,
    CUSTOMER_COMPOSITION,
    ABC,
    TREND,
    CUSTOMER_SALES,
    CUSTOMER_BUSINESS,
    INVESTIGATION_COSTS,
]
