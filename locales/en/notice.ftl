## templates/notice.html
