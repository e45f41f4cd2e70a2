## templates/notice.html (the notice itself is a sentence of domain.ftl)

notice-title = Before you go on
notice-continue = Continue
