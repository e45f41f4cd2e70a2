## templates/lab.html

lab-title = Lab
lab-heading = Lab
# $n: how many orders wait for a result
lab-open-heading = Open orders ({ $n })
lab-open-empty = No open orders.
# $name: the doctor's name
lab-ordered-by = ordered by Dr { $name }
lab-value-label = Value
lab-unit-label = Unit
lab-range-label = Reference range (low-high, <x or >x)
lab-flag-label = Flag
lab-flag-from-range = From the range
lab-post-button = Post result
lab-recent-heading = Recently resulted
lab-recent-empty = None yet.
# $test: the test's name, $patient: the patient's name
lab-recent-test-for = { $test } for { $patient }
# A result's flag (also on the dashboards).
lab-flag-low = low
lab-flag-high = high
lab-flag-abnormal = abnormal
lab-flag-normal = normal
